"""Four small CNNs of the kinds students write in PyTorch (issue 27), for the ONNX import
tests: ResNet-, MobileNet-, Inception- and VGG-style, each taking (N, 3, 15, 15) images."""

import torch
from torch import nn


class BasicBlock(nn.Module):
    """conv-bn-relu-conv-bn plus the input (a 1x1 conv when the shape changes), then relu."""

    def __init__(self, channels_in: int, channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.down = None
        if stride != 1 or channels_in != channels:
            self.down = nn.Sequential(
                nn.Conv2d(channels_in, channels, 1, stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNetStyle(nn.Module):
    """7x7/2 stem, 3x3/2 max-pool with padding 1, two residual blocks, global average."""

    def __init__(self, classes: int = 5):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 8, 7, 2, 3, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
        )
        self.blocks = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 16, stride=2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


def _separable(channels_in: int, channels: int, stride: int) -> nn.Sequential:
    """A depthwise 3x3 (groups = channels) then a pointwise 1x1, each with bn and ReLU6."""
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_in, 3, stride, 1, groups=channels_in, bias=False),
        nn.BatchNorm2d(channels_in),
        nn.ReLU6(),
        nn.Conv2d(channels_in, channels, 1, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU6(),
    )


class MobileNetStyle(nn.Module):
    def __init__(self, classes: int = 5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU6(),
            _separable(8, 16, 1),
            _separable(16, 24, 2),
        )
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(24, classes)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


class InceptionStyle(nn.Module):
    """A stem, then four branches (1x1; 1x1-3x3; 5x5; 3x3 max-pool-1x1) concatenated."""

    def __init__(self, classes: int = 5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.one = nn.Conv2d(8, 4, 1)
        self.three = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
        self.five = nn.Conv2d(8, 3, 5, padding=2)
        self.pooled = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(8, 3, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.stem(x)
        branches = [self.one(x), self.three(x), self.five(x), self.pooled(x)]
        mixed = torch.relu(torch.cat(branches, dim=1))
        return self.fc(torch.flatten(self.pool(mixed), 1))


class VGGStyle(nn.Module):
    """conv-LeakyReLU pairs, MaxPool2d(2, ceil_mode=True) on odd sizes, dropout, two dense."""

    def __init__(self, classes: int = 5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.LeakyReLU(0.1),
            nn.Conv2d(8, 8, 3, padding=1),
            nn.LeakyReLU(0.1),
            nn.MaxPool2d(2, ceil_mode=True),  # 15 -> 8
            nn.Conv2d(8, 16, 3, padding=1),
            nn.LeakyReLU(0.1),
            nn.MaxPool2d(2, ceil_mode=True),  # 8 -> 4
            nn.Dropout(0.3),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 32),
            nn.LeakyReLU(0.1),
            nn.Dropout(0.5),
            nn.Linear(32, classes),  # fmt: skip
        )

    def forward(self, x):
        return self.classifier(self.features(x))


NETS = {
    "resnet": ResNetStyle,
    "mobilenet": MobileNetStyle,
    "inception": InceptionStyle,
    "vgg": VGGStyle,
}


def trained_looking(net: nn.Module, seed: int) -> nn.Module:
    """``net`` in eval mode with batchnorm statistics moved away from 0 and 1."""
    torch.manual_seed(seed)
    net = net.float().train()  # float32 whatever torch's default dtype (a test may change it)
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(8, 3, 15, 15, dtype=torch.float32))
    return net.eval()


def export(net: nn.Module, path, dynamo: bool) -> None:
    """torch.onnx.export with a dynamic batch: TorchScript at opset 18, or dynamo at 20."""
    x = torch.randn(2, 3, 15, 15, dtype=torch.float32)
    if dynamo:
        batch = torch.export.Dim("batch", min=1, max=64)
        torch.onnx.export(net, (x,), path, dynamo=True, opset_version=20, input_names=["x"], output_names=["scores"], dynamic_shapes={"x": {0: batch}})  # fmt: skip
    else:
        torch.onnx.export(net, (x,), path, dynamo=False, opset_version=18, input_names=["x"], output_names=["scores"], dynamic_axes={"x": {0: "N"}, "scores": {0: "N"}})  # fmt: skip
