# The tiny synthetic CAM baseline (also the F^e of the tiny LowCAM):
#   python tools/train.py configs/cam_tiny_synthetic.py
# The config itself is configs/cam/cam_tiny_synthetic.py (one source of
# truth): this file only inherits it.
_base_ = ['./cam/cam_tiny_synthetic.py']
