"""Deploy the same build everywhere a Procfile runs: compose, Heroku-style and ECS.

Everything here is derived from two files the kit already keeps: the `Procfile` (what runs) and
`.env.example` (what each process reads). Nothing is written by hand per platform.
"""
