"""Live updates: the runner that holds a lab publishes each batch of its changes once (HTML
fragments rendered once, and the events as JSON) to the lab's channel group; every web process
receives it once and sends the same bytes to each of its own sockets (hub.py)."""

GROUP = "lab-{}"


def group_for(lab_id: int) -> str:
    return GROUP.format(lab_id)
