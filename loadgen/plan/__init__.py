"""A scenario in, the send plan out: who connects when, what each sender sends and when."""
