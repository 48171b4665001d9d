import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all modules of mmwsol (and mmpretrain) into the registries.

    Args:
        init_default_scope (bool): Whether to set the global default scope to
            ``mmwsol``, so that registries build from mmwsol's registry node
            (and fall back to mmpretrain's and mmengine's). Defaults to True.
    """
    import mmpretrain.utils

    # Fill the parent registries first: parent look-ups do not import.
    mmpretrain.utils.register_all_modules(init_default_scope=False)

    import mmwsol.apis  # noqa: F401
    import mmwsol.datasets  # noqa: F401
    import mmwsol.engine  # noqa: F401
    import mmwsol.evaluation  # noqa: F401
    import mmwsol.models  # noqa: F401
    import mmwsol.structures  # noqa: F401
    import mmwsol.visualization  # noqa: F401

    if not init_default_scope:
        return

    current_scope = DefaultScope.get_current_instance()
    if current_scope is None:
        DefaultScope.get_instance('mmwsol', scope_name='mmwsol')
    elif current_scope.scope_name != 'mmwsol':
        warnings.warn(
            f'The current default scope "{current_scope.scope_name}" is not '
            '"mmwsol"; `register_all_modules` sets it to "mmwsol". Pass '
            '`init_default_scope=False` if that is not what you want.')
        # a new instance name avoids clashing with the existing one
        DefaultScope.get_instance(
            f'mmwsol-{datetime.datetime.now()}', scope_name='mmwsol')
