"""Faithful fakes of the code-review platforms (real HTTP servers on 127.0.0.1) for jobguard's tests."""
