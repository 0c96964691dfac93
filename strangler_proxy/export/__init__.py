"""The route table in force as another proxy's configuration: `strangler export nginx`.

    source.py     the table in force: the file's, with the live states in Redis laid over it
    regions.py    the table as nginx locations: which routes can match at each, in table order
    nginx/        the configuration text: maps, split_clients, upstreams, the server block
    gaps.py       what the kit's proxy does that nginx does not, always and for one table

    ExportFailed (source.py)   the table or its live states cannot be read; the message says the fix

README.md here says what nginx cannot express.
"""
