"""The route table: a TOML file versioned with the proxy, loaded and validated whole at boot.

    loader.py      load_route_table(path, environ): read, validate, resolve upstream URLs
    validator.py   validate(document, environ): every error at once, each with its fix
    entries.py     one upstream, plan or route read from TOML, with its own checks
    fields.py      typed readers of raw TOML values that record errors instead of raising
    errors.py      RouteTableInvalid
    render.py      the resolved table as aligned text and as JSON
    __main__.py    `python -m strangler_proxy.configuration check`

The table's model (RouteTable, Route, Upstream, Plan) lives in strangler_proxy/table.py, which both this
package and routing/ import; routing/ never imports this package. Import from the modules
(`from strangler_proxy.configuration.loader import load_route_table`): this package imports nothing.
"""
