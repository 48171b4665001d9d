__version__ = '0.4.0'


def parse_version_info(version_str):
    """Parse '0.1.0' (or '0.1.0rc1') into a tuple such as (0, 1, 0)."""
    info = []
    for part in version_str.split('.'):
        if part.isdigit():
            info.append(int(part))
        else:
            info.append(part)
    return tuple(info)


version_info = parse_version_info(__version__)
