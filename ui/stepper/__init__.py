"""The backprop stepper: walk the engine's trace on the canvas, animate gradient flow,
show gradient norms while training, and check gradients.

``install_stepper(window)`` adds it to a MainWindow (as ``window.stepper``);
``show_gradient_norms(window, norms)`` is the training dashboard's hook.
"""

from ui.stepper.stepper import Stepper, install_stepper, show_gradient_norms, show_saturation

__all__ = ["Stepper", "install_stepper", "show_gradient_norms", "show_saturation"]
