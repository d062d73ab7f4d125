"""The same encoder-decoder Transformer built with the libraries a user might pick instead
of t2t_lite, for `bench/train_throughput.py` and `bench/decode_speed.py`."""
