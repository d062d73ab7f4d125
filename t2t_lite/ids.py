"""The ids T2T reserves in every vocabulary, in one place: 0 pads (and is fed first to the
decoder), 1 ends a sequence. Problems write them, the model masks and shifts with them,
the searches stop on EOS, and the exported graph appends it."""

PAD_ID = 0
EOS_ID = 1
# How many ids come before a vocabulary's own symbols.
NUM_RESERVED_IDS = 2
