from reliefline.errors import ReliefError


class Malformed(ReliefError):
    """The body is not what the sender's format can be: not UTF-8, not JSON (400)."""

    code = "malformed"
    status = 400
