"""The sign-in prompt, and landing on the page a deep link named once signed in.

Streamlit's OIDC flow (``st.login``) always returns to the app's root (``/``) after the
provider's callback. To land on the page a signed-out user opened (``/audit?tenant=us``), the
prompt stores that path in the tab's ``sessionStorage`` (it survives the redirects to the
provider and back, and no other tab or site sees it); the first signed-in run of a session
reads it, forgets it, and sends the browser there. Both are tiny scripts run by ``st.html``;
the stored path is used only if it is a path on this server (``/…``, never ``//host``).

Only a real browser with a real OIDC provider runs the whole round trip; the tests check the
pieces: a signed-out browser stores the path it opened, `RETURN_JS` run in a browser goes to a
stored local path and ignores any other, and only a session's first signed-in run carries it.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from orgconn.ui import state
from orgconn.ui.access import sign_in_configured

WANTED_KEY = "orgconn.after_sign_in"  # the sessionStorage key holding the wanted path

REMEMBER_SCRIPT = f"""<script>
try {{ window.sessionStorage.setItem("{WANTED_KEY}",
  window.location.pathname + window.location.search); }} catch (e) {{}}
</script>"""

RETURN_JS = f"""(function () {{
  var wanted = null;
  try {{
    wanted = window.sessionStorage.getItem("{WANTED_KEY}");
    window.sessionStorage.removeItem("{WANTED_KEY}");
  }} catch (e) {{ return; }}
  var here = window.location.pathname + window.location.search;
  if (wanted && wanted.charAt(0) === "/" && wanted.charAt(1) !== "/"
      && wanted.indexOf("\\\\") < 0 && wanted !== here) {{
    window.location.replace(wanted);
  }}
}})();"""
RETURN_SCRIPT = f"<script>{RETURN_JS}</script>"


def prompt() -> NoReturn:
    """The whole page for a signed-out user: a title, a sentence and "Sign in"; then stop."""
    st.title("orgconn")
    st.write("Sign in to see your organization's connections.")
    st.html(REMEMBER_SCRIPT, unsafe_allow_javascript=True)
    st.button("Sign in", key="auth.login", on_click=st.login, type="primary")
    st.stop()


def return_to_wanted_page() -> None:
    """On a session's first signed-in run, send the browser to the page it wanted before
    signing in (if any). Call only for a signed-in user; a no-op without sign-in."""
    if not sign_in_configured() or st.session_state.get(state.K_SIGN_IN_RETURNED):
        return
    st.session_state[state.K_SIGN_IN_RETURNED] = True
    with st.sidebar:
        st.html(RETURN_SCRIPT, unsafe_allow_javascript=True)
