"""Code that old migrations run, frozen as it was when they were written.

A revision must do the same thing whenever it runs, so it never imports the live app: when a
revision needs more than a few statements of its own, the code it runs is copied here, under the
revision's number, and never changed afterwards (fix the live code, not these copies).
"""
