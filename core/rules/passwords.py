"""Password policy (sign-in strips spaces and bcrypt refuses over 72 bytes)."""

MIN_LENGTH = 10
MAX_BYTES = 72


def compute_password_problems(password: str) -> list[str]:
    """Return what is wrong with a new password; an empty list means it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_BYTES:
        problems.append(f"must be at most {MAX_BYTES} bytes")
    if password != password.strip() or " " in password:
        problems.append("must not contain spaces (the sign-in form strips them)")
    return problems
