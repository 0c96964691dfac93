"""A rendering as files, one per API call, each usable as `aws ecs ... --cli-input-json file://FILE`."""

from __future__ import annotations

import json

from strangler_deploy.ecs.render import Rendering


def rendered_files(rendering: Rendering, cluster: str | None) -> dict[str, str]:
    """File name -> JSON text: `<process>.task-definition.json` (register-task-definition),
    `<process>.service.json` (create-service), `<release>.run-task.json` (run-task). The services and the
    release task name the cluster when one is given."""
    on_cluster = {"cluster": cluster} if cluster else {}
    files = {f"{name}.task-definition.json": definition for name, definition in rendering.task_definitions.items()}
    files |= {f"{name}.service.json": {**on_cluster, **service} for name, service in rendering.services.items()}
    if rendering.release is not None:
        files[f"{rendering.release_process}.run-task.json"] = {**on_cluster, **rendering.release}
    return {name: json.dumps(content, indent=2) + "\n" for name, content in files.items()}
