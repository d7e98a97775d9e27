"""YOLOv8n (scale n) written from the published architecture, for timing only.

Ultralytics is AGPL and cannot be installed here, so the network is rebuilt from its
architecture description (backbone Conv/C2f/SPPF, PAN neck, decoupled anchor-free head
with DFL). Random weights: only its speed matters. Export gives the standard
YOLOv8 ONNX output 1 x (4 + classes) x anchors with boxes as cx, cy, w, h in input
pixels and class scores after the sigmoid.
"""

import torch
from torch import nn


class Conv(nn.Module):
    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))  # type: ignore[no-any-return]


class Bottleneck(nn.Module):
    def __init__(self, c: int, shortcut: bool) -> None:
        super().__init__()
        self.cv1 = Conv(c, c, 3)
        self.cv2 = Conv(c, c, 3)
        self.add = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y  # type: ignore[no-any-return]


class C2f(nn.Module):
    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = False) -> None:
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))  # type: ignore[no-any-return]


class SPPF(nn.Module):
    def __init__(self, c1: int, c2: int, k: int = 5) -> None:
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1)
        self.cv2 = Conv(c_ * 4, c2, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat([x, y1, y2, self.m(y2)], 1))  # type: ignore[no-any-return]


class Detect(nn.Module):
    reg_max = 16

    def __init__(
        self, nc: int, ch: tuple[int, ...], strides: tuple[int, ...] = (8, 16, 32)
    ) -> None:
        super().__init__()
        self.nc = nc
        self.strides = strides
        c2 = max(16, ch[0] // 4, self.reg_max * 4)
        c3 = max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(
            nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * self.reg_max, 1))
            for x in ch
        )
        self.cv3 = nn.ModuleList(
            nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in ch
        )
        self.dfl = nn.Conv2d(self.reg_max, 1, 1, bias=False).requires_grad_(False)
        self.dfl.weight.data[:] = torch.arange(self.reg_max, dtype=torch.float32).view(
            1, self.reg_max, 1, 1
        )

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        boxes, scores, anchors, strides = [], [], [], []
        for i, x in enumerate(feats):
            b, _, h, w = x.shape
            boxes.append(self.cv2[i](x).view(b, 4 * self.reg_max, -1))
            scores.append(self.cv3[i](x).view(b, self.nc, -1))
            sy, sx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
            anchors.append(torch.stack([sx.flatten(), sy.flatten()], 0))
            strides.append(torch.full((1, h * w), float(self.strides[i])))
        box = torch.cat(boxes, 2)
        b, _, a = box.shape
        dist = self.dfl(box.view(b, 4, self.reg_max, a).transpose(2, 1).softmax(1)).view(b, 4, a)
        anc = torch.cat(anchors, 1).unsqueeze(0)
        stride = torch.cat(strides, 1).unsqueeze(0)
        lt, rb = dist.chunk(2, 1)
        x1y1, x2y2 = anc - lt, anc + rb
        xywh = torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1], 1) * stride
        return torch.cat([xywh, torch.cat(scores, 2).sigmoid()], 1)


class YOLOv8n(nn.Module):
    """Scale n: depth 0.33, width 0.25 (channels 16-32-64-128-256)."""

    def __init__(self, nc: int = 80) -> None:
        super().__init__()
        self.b0 = Conv(3, 16, 3, 2)
        self.b1 = Conv(16, 32, 3, 2)
        self.b2 = C2f(32, 32, 1, True)
        self.b3 = Conv(32, 64, 3, 2)
        self.b4 = C2f(64, 64, 2, True)
        self.b5 = Conv(64, 128, 3, 2)
        self.b6 = C2f(128, 128, 2, True)
        self.b7 = Conv(128, 256, 3, 2)
        self.b8 = C2f(256, 256, 1, True)
        self.b9 = SPPF(256, 256, 5)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.h12 = C2f(384, 128, 1)
        self.h15 = C2f(192, 64, 1)
        self.h16 = Conv(64, 64, 3, 2)
        self.h18 = C2f(192, 128, 1)
        self.h19 = Conv(128, 128, 3, 2)
        self.h21 = C2f(384, 256, 1)
        self.detect = Detect(nc, (64, 128, 256))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p4 = self.b4(self.b3(self.b2(self.b1(self.b0(x)))))
        p6 = self.b6(self.b5(p4))
        p9 = self.b9(self.b8(self.b7(p6)))
        h12 = self.h12(torch.cat([self.up(p9), p6], 1))
        h15 = self.h15(torch.cat([self.up(h12), p4], 1))
        h18 = self.h18(torch.cat([self.h16(h15), h12], 1))
        h21 = self.h21(torch.cat([self.h19(h18), p9], 1))
        return self.detect([h15, h18, h21])  # type: ignore[no-any-return]


def fused_parameter_count(model: nn.Module) -> int:
    """Parameters once every BatchNorm is folded into its conv (conv gains a bias)."""
    total = 0
    for m in model.modules():
        if isinstance(m, Conv):
            total += m.conv.weight.numel() + m.conv.out_channels
        elif isinstance(m, nn.Conv2d) and not any(
            m is c.conv for c in model.modules() if isinstance(c, Conv)
        ):
            total += sum(p.numel() for p in m.parameters())
    return total


def export(path: str, width: int, height: int, nc: int, seed: int = 0) -> int:
    """Export with random weights for a width x height input (multiples of 32, as
    YOLOv8's strides need); return the fused parameter count."""
    if width % 32 or height % 32:
        raise ValueError(f"YOLOv8n needs an input in multiples of 32, not {width}x{height}")
    torch.manual_seed(seed)
    model = YOLOv8n(nc).eval()
    torch.onnx.export(
        model,
        (torch.zeros(1, 3, height, width),),
        path,
        input_names=["images"],
        output_names=["output0"],
        opset_version=17,
        dynamo=False,
    )
    return fused_parameter_count(model)


if __name__ == "__main__":
    print("YOLOv8n fused parameters, 80 classes:", fused_parameter_count(YOLOv8n(80)))
