"""Customer values and test credentials: the form, saving, the overview of test credentials,
and the validation of one input's value.

- `form`: load a connection's values for one customer (or its test credentials) and prepare a
  submission (`load_form`, `prepare`, `ValuesForm`, `Conflict`);
- `save`: save, keep mine over another change, delete — each one audited write;
- `credentials`: which connections have test credentials;
- `validation`: what a value of each input type must look like.
"""
