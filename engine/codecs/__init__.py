"""Neural audio codecs whose continuous latents some model families diffuse in."""
