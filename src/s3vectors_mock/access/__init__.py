"""Access control as IAM decides it, for the two policy types S3 Vectors has: the caller's identity-based
policies and the vector bucket's resource-based policy.

One room per step: ``policies`` (parse and validate a policy document), ``patterns`` (IAM's wildcard and ARN
matching), ``conditions`` (the Condition element), ``principals`` (who a caller is), ``required`` (which actions a
request needs, on which resource), ``evaluation`` (allow or deny, and why), ``ledger`` (the least-privilege policy
of the calls a mock answered). The service runs them; nothing here knows about botocore clients or HTTP.
"""
