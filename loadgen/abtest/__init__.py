"""``bench check --base GITREF``: the base commit's servers and the current tree's, measured in
one run, interleaved, at a calibrated load below the knee.

``model`` is pure (order, labels, whether the base needs its own virtualenv, the calibration
ramp's steps); ``trees`` does the git worktree and virtualenv I/O; ``ramp`` calibrates;
``session`` runs the interleaved contender runs into one result document; ``command`` glues
them and sets the exit code.
"""
