"""ECS: every deployable Procfile process as a task definition and a service, `release` as a one-off task.

    target.py   what the operator names: app, image, region, roles, network, secret store, counts
    values.py   each container's environment: values from the target's env file, secrets as references
    drain.py    how long each process needs to stop cleanly (the container's stopTimeout)
    render.py   the task definitions, services and release task, as the ECS API takes them
    apply.py    register them, run the release task until it stops, then create or update the services
    cli.py      `strangler deploy ecs render [--out DIR] [--apply]`

Errors (errors.py):

    EcsError
    ├── ConfigurationError   the inputs cannot make a correct deployment; nothing was rendered
    └── ApplyError           AWS refused or could not be reached; says what was and was not changed
        └── ReleaseFailed    the release task did not stop with exit code 0; no service was touched
"""
