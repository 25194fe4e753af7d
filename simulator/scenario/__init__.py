"""The scenario: YAML loading, the validated config (schema and cross-checks), distributions,
working calendars, calendar months and the labels a person reads."""
