"""The Streamlit layer: the only orgconn code that imports streamlit.

- `state`: session-state keys and query-parameter names, in one place.
- `context`: the configuration, the embedded sandbox, clients, the store and cached fetches,
  keyed by tenant URL (never by client objects).
- `errors`: `user_errors()`, which turns any OrgconnError/AccessDenied into an ``st.error``
  a user can act on and stops the page — never a traceback.
- `shell`: the first call of every page file: sign-in gate (`sign_in`), role check, menu,
  tenant picker; `coverage_page`: the coverage page, drawn at ``/`` and ``/coverage``.
- `access`: the acting user and role; `navigation`: the page list by audience and role.
- `widgets`: small shared widgets (tenant picker, protected-tenant confirmation).
"""
