"""Services: every write the tutor makes. ``@transaction.atomic``, keyword-only, named ``<entity>_<action>``.

Import from the submodules, e.g. ``from tutor.services.practice import attempt_submit``.
"""
