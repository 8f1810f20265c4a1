"""gunicorn entry for the operations baseline: the same app without the per-request metrics and request logs.

No request is timed or counted, no request id made, no request line logged. bench/operations.py measures
requests here and on the real app; the difference is what the operations hooks cost a request.
Bench-only: nothing here is reachable from the product.
"""

from webapp import create_app, logs, metrics

_HOOKS = {metrics._start_timer, metrics._count_request, logs._begin_request, logs._end_request}

app = create_app()
for registry in (app.before_request_funcs, app.after_request_funcs):
    registry[None] = [hook for hook in registry.get(None, []) if hook not in _HOOKS]
