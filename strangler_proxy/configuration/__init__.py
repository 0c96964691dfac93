"""The route table: a TOML file versioned with the proxy, loaded and validated whole at boot.

    model.py       the table as typed, immutable data (RouteTable, Route, Upstream, Plan)
    loader.py      load_route_table(path, environ): read, validate, resolve upstream URLs
    validator.py   validate(document, environ): every error at once, each with its fix
    entries.py     one upstream, plan or route read from TOML, with its own checks
    fields.py      typed readers of raw TOML values that record errors instead of raising
    errors.py      RouteTableInvalid
    render.py      the resolved table as aligned text and as JSON
    __main__.py    `python -m strangler_proxy.configuration check`

Import from the modules (`from strangler_proxy.configuration.loader import load_route_table`): this
package imports nothing, so routing/ can import the model without pulling in the loader.
"""
