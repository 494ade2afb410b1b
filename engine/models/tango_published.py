"""Values Tango publishes in its repository, kept as data for release folders that do not carry them.

A Tango release's `main_config.json` names its UNet config by a path inside Tango's source tree
(`configs/diffusion_model_config.json`) that a downloaded release folder does not contain; these
are that file's values. The XL variant differs only in `cross_attention_dim` (2048, FLAN-T5-XL's
width), so the width is taken from the text encoder's config. The vocoder settings are those Tango
hard-codes for its 16 kHz, 64-mel HiFi-GAN; the dilations and upsampling strides cannot be read
from the weights' shapes.
"""

UNET_CONFIG = {
    "act_fn": "silu",
    "attention_head_dim": [5, 10, 20, 20],
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 1024,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "dual_cross_attention": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 8,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "num_class_embeds": None,
    "only_cross_attention": False,
    "out_channels": 8,
    "sample_size": [32, 2],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "use_linear_projection": True,
    "upcast_attention": True,
}

VOCODER = {
    "upsample_rates": [5, 4, 2, 2, 2],
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
    "leaky_relu_slope": 0.1,
}
