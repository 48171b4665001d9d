"""Print a config with everything merged in: its ``_base_`` files and
``--cfg-options`` (mmpretrain 1.x's ``print_config.py``).

    python tools/misc/print_config.py CONFIG [--cfg-options KEY=VALUE ...]

The output is itself a valid config file (``> full_config.py``).
"""
import argparse

from mmwsol.utils.tool_config import (add_cfg_options_argument,
                                      load_tool_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    # plain print (mmpretrain uses rich, which wraps lines to the terminal
    # and would break the output as a config file)
    print(cfg.pretty_text)


if __name__ == '__main__':
    main()
