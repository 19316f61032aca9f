"""The runner hosts the engine: it finds the timed tasks in the database, plays them on each
lab's simulated clock, and writes every state change in a transaction. It runs inside the web
server (embedded, the default) or as `manage.py simworker`; the code path is the same."""
