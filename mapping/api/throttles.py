"""The API's write rate limits (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] names them here): they live in
mapping/read/throttles.py, one floor down, so that the web face's forms that write (confirmations) count against
the same limits and counters."""

from mapping.read.throttles import WriteBurstThrottle, WriteSustainedThrottle  # noqa: F401
