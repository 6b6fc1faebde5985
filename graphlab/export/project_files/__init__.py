"""The fixed files of an exported PyTorch project (data.py, train.py), copied as they are by
:mod:`graphlab.export.torch_project`; GraphLab never imports them."""
