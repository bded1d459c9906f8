"""The ``reference`` contender: the chat contract on a bare ``websockets`` server, no framework.

It speaks the Channels JSON protocol (``docs/protocol.md``) for join, leave, msg (text and
binary bodies) and presence, with the same token check, origin check and size limit as the two
real servers. It exists as a yardstick: measured in the same run as the others, it shows how
fast this machine is right now, so ``bench check`` can judge each contender relative to it
instead of against absolute figures that change with every CI machine.
"""
