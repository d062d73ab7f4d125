"""absl binaries of t2t_lite, installed as console scripts (`t2t-datagen`, ...)."""
