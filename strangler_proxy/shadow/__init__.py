"""Shadow traffic: the candidate gets a copy of each request, the client the primary's answer, and the
two answers are compared field by field, with Diffy's noise model.

    dispatch.py   the copies, off the request path through a bounded queue
    diff.py       which fields two answers differ in
    noise.py      which differences are the candidate's and which the primary makes against itself
    record.py     counts and redacted samples in Redis
"""
