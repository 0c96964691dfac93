"""Stand-ins for third parties that cannot run here; each speaks its party's protocol over HTTP."""
