#!/bin/sh
# The image's entrypoint. One argument naming a process type of the Procfile runs that line, as honcho
# and Heroku run it (`sh -c`), so the Procfile stays the one place a command is written:
#     docker run IMAGE web            the proxy          docker run IMAGE checkoutworker   a saga worker
# Anything else runs as given:  docker run IMAGE python -m monolith.manage createsuperuser
set -eu
procfile=$(dirname "$0")/../Procfile
if [ "$#" -eq 1 ]; then
    case "$1" in
        "" | *[!A-Za-z0-9_-]*) ;;  # not a process type's name: run it as a command below
        *)
            line=$(sed -n "s/^$1:[[:space:]]*//p" "$procfile")
            if [ -n "$line" ]; then
                exec /bin/sh -c "$line"
            fi
            ;;
    esac
fi
exec "$@"
