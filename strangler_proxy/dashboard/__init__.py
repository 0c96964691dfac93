"""The proxy's dashboard at /_strangler/: the routes in force, how their candidates do, and the four changes.

    GET  /_strangler/                the page (server-rendered HTML; its script refreshes the live parts
                                     every 5 s while nobody is filling in a form)
    GET  /_strangler/?token=T        a browser's sign-in with PROXY_ADMIN_TOKEN: sets the admin cookie and
                                     sends it back to /_strangler/ without the token in the address
    POST /_strangler/change          shadow, canary, promote or rollback, from a form (a browser gets the
                                     page with what became of it; another client gets JSON)
    GET  /_strangler/dashboard.css   the style sheet, and dashboard.js the script (open to anyone: no data)

Open to staff users of the monolith and to holders of PROXY_ADMIN_TOKEN, anyone else gets 401; forms are
CSRF-protected (access.py says how). The page shows what `strangler status | diffs | history` show and
changes routes through the same ControlStore.change, so a change here is checked, audited and refused
exactly as on the command line.

    views.py      the requests: who, may they, read or change, answer
    access.py     the admin token and its cookie, staff identities, the CSRF token
    facts.py      what the page shows, read from Redis (the control store, the judge, shadowing)
    controls.py   a change form into the change ControlStore makes
    pages.py      whole pages; sections.py their parts; forms.py the change forms; diffview.py a shadow
                  mismatch side by side; markup.py escaping and number formats
    progress.py   migration progress (a placeholder until the URL inventory exists)
    datamigration.py  each module's data migration, as datasync published it to Redis
    web.py        reading cookies, query and form off the exchange; answering
    static/       dashboard.css and dashboard.js
"""

from strangler_proxy.dashboard.views import Dashboard, is_dashboard_path

__all__ = ["Dashboard", "is_dashboard_path"]
