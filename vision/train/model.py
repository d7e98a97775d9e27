"""TinyGrid: a small anchor-free (CenterNet-style) detector for 3 hygiene classes.

Output (the card's format `bk-grid`): one tensor 1 x (C+4) x H/8 x W/8 where channels
0..C-1 are class scores already squashed and peak-filtered (a cell keeps its score only
if it is the 3x3 local maximum), C..C+1 the centre's offset inside the cell (0..1) and
C+2..C+3 the box width and height in input pixels. Decoding is then a threshold, a
gather and OpenCV NMS; no anchors.
"""

import torch
from torch import nn

STRIDE = 8
WH_BASE = 16.0


def _block(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class TinyGrid(nn.Module):
    def __init__(self, num_classes: int, width: int = 32) -> None:
        super().__init__()
        w = width
        self.num_classes = num_classes
        self.stem = nn.Sequential(_block(3, w // 2, 2), _block(w // 2, w, 2), _block(w, w))
        self.body = nn.Sequential(
            _block(w, 2 * w, 2),
            _block(2 * w, 2 * w),
            _block(2 * w, 2 * w, dilation=2),
            _block(2 * w, 2 * w),
        )
        self.head = nn.Sequential(_block(2 * w, 2 * w), nn.Conv2d(2 * w, num_classes + 4, 1))
        head_out = self.head[-1]
        assert isinstance(head_out, nn.Conv2d) and head_out.bias is not None
        nn.init.constant_(head_out.bias[:num_classes], -4.0)
        self.export_mode = False

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for training: (B, C+4, H/8, W/8)."""
        return self.head(self.body(self.stem(x)))  # type: ignore[no-any-return]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 3, H, W) BGR in 0..255 float; returns the decoded grid (see module doc)."""
        out = self.raw(x / 255.0)
        c = self.num_classes
        scores = torch.sigmoid(out[:, :c])
        peaks = nn.functional.max_pool2d(scores, 3, 1, 1)
        scores = scores * (scores >= peaks).to(scores.dtype)
        offset = torch.sigmoid(out[:, c : c + 2])
        wh = torch.exp(out[:, c + 2 : c + 4].clamp(-4.0, 4.0)) * WH_BASE
        return torch.cat([scores, offset, wh], 1)
