# The tiny synthetic LowCAM (CPU, 2 cores, no download), the whole pipeline
# in one run:
#   python tools/train.py configs/lowcam_tiny_synthetic.py
# The config itself is configs/lowcam/lowcam_tiny_synthetic.py (one source of
# truth): this file only inherits it.
_base_ = ['./lowcam/lowcam_tiny_synthetic.py']
