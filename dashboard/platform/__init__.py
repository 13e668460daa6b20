"""Infrastructure the domain stands on: cache, queue, middleware, logging, health and checks.

Nothing here knows about leaves: selectors, services and views use it, never the other way.
"""
