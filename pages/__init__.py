"""One module per screen; each defines ROLES and render() and draws nothing at import time."""
