"""Pure metrics: an event log and its scenario in, KPI tables, money, clients, the verdict."""
