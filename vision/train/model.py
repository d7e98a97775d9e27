"""TinyGrid: a small anchor-free (CenterNet-style) detector for 3 hygiene classes.

Output (the card's format `bk-grid`): one tensor 1 x (C+4) x H/s x W/s where channels
0..C-1 are class scores already squashed and peak-filtered (a cell keeps its score only
if it is the 3x3 local maximum), C..C+1 the centre's offset inside the cell (0..1) and
C+2..C+3 the box width and height in input pixels. Decoding is then a threshold, a
gather and OpenCV NMS; no anchors.

The grid stride s is 8 (the shipped models) or 4. At stride 8 a worker's head drawn
half size in a 320x240 frame is about one cell, and a rodent half of one, so small
objects share a cell with their surroundings; stride 4 adds a light FPN step: the
stride-8 features, upsampled, are added to the stem's stride-4 features and one 3x3
block at stride 4 feeds the output. It costs about a fifth more arithmetic, and
every layer of a stride-8 model but the output convolution carries over to it (the
stride-8 head block keeps its name), so a stride-4 model can be warm-started from a
trained stride-8 one.

`context` adds a stride-16 branch: two blocks (one dilated) on the stride-8 features,
reduced back and added to them, upsampled, before the head. The stride-8 path's
receptive field is about 100 input pixels in theory and much less in effect, so on a
wide input a close worker's head (40-60 px) is scored from a window that may not
reach the hat on top; the coarser branch sees the whole head and its surroundings.
Its last convolution starts at zero, so a warm-started model computes exactly what its
parent did until training moves it.
"""

import copy

import torch
from torch import nn

STRIDE = 8
"""The shipped models' stride (the default)."""
STRIDES = (4, 8)
WH_BASE = 16.0


def _block(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def _separable(w: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(w, w, 3, 1, padding=1, groups=w, bias=False),
        nn.BatchNorm2d(w),
        nn.ReLU(inplace=True),
        nn.Conv2d(w, w, 1, bias=False),
        nn.BatchNorm2d(w),
        nn.ReLU(inplace=True),
    )


class TinyGrid(nn.Module):
    def __init__(
        self,
        num_classes: int,
        width: int = 32,
        stride: int = STRIDE,
        separable: bool = False,
        context: bool = False,
    ) -> None:
        super().__init__()
        if stride not in STRIDES:
            raise ValueError(f"TinyGrid stride must be one of {STRIDES}, not {stride}")
        if separable and stride != 4:
            raise ValueError("a separable fine block needs stride 4")
        w = width
        self.num_classes = num_classes
        self.stride = stride
        self.stem = nn.Sequential(_block(3, w // 2, 2), _block(w // 2, w, 2), _block(w, w))
        self.body = nn.Sequential(
            _block(w, 2 * w, 2),
            _block(2 * w, 2 * w),
            _block(2 * w, 2 * w, dilation=2),
            _block(2 * w, 2 * w),
        )
        self.context: nn.Sequential | None = None
        if context:
            self.context = nn.Sequential(
                _block(2 * w, 4 * w, 2),
                _block(4 * w, 4 * w, dilation=2),
                nn.Conv2d(4 * w, 2 * w, 1),
            )
            back = self.context[-1]
            assert isinstance(back, nn.Conv2d) and back.bias is not None
            nn.init.zeros_(back.weight)
            nn.init.zeros_(back.bias)
        if stride == 8:
            self.head = nn.Sequential(_block(2 * w, 2 * w), nn.Conv2d(2 * w, num_classes + 4, 1))
        else:
            # `head` keeps the stride-8 model's head block (same name and shape in the
            # state dict: head.0), so its weights carry over on a warm start.
            self.head = nn.Sequential(_block(2 * w, 2 * w))
            self.reduce = nn.Sequential(
                nn.Conv2d(2 * w, w, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)
            )
            # separable: the stride-4 block as depthwise 3x3 + pointwise 1x1, a seventh
            # of the dense block's arithmetic at the finest grid (the model's speed bar)
            fine = _separable(w) if separable else _block(w, w)
            self.fine = nn.Sequential(fine, nn.Conv2d(w, num_classes + 4, 1))
        head_out = self.head[-1] if stride == 8 else self.fine[-1]
        assert isinstance(head_out, nn.Conv2d) and head_out.bias is not None
        nn.init.constant_(head_out.bias[:num_classes], -4.0)
        self.input_folded = False
        """True once `fold_input_scale` moved the 1/255 into the first convolution."""

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for training: (B, C+4, H/s, W/s)."""
        s4 = self.stem(x)
        s8 = self.body(s4)
        if self.context is not None:
            coarse = self.context(s8)
            s8 = s8 + nn.functional.interpolate(coarse, size=s8.shape[2:], mode="nearest")
        s8 = self.head(s8)
        if self.stride == 8:
            return s8  # type: ignore[no-any-return]
        up = nn.functional.interpolate(self.reduce(s8), size=s4.shape[2:], mode="nearest")
        return self.fine(s4 + up)  # type: ignore[no-any-return]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 3, H, W) BGR in 0..255 float; returns the decoded grid (see module doc)."""
        out = self.raw(x if self.input_folded else x / 255.0)
        c = self.num_classes
        scores = torch.sigmoid(out[:, :c])
        peaks = nn.functional.max_pool2d(scores, 3, 1, 1)
        scores = scores * (scores >= peaks).to(scores.dtype)
        offset = torch.sigmoid(out[:, c : c + 2])
        wh = torch.exp(out[:, c + 2 : c + 4].clamp(-4.0, 4.0)) * WH_BASE
        return torch.cat([scores, offset, wh], 1)


def fold_input_scale(model: TinyGrid) -> TinyGrid:
    """A copy of `model` that takes 0..255 pixels without dividing them first.

    The first convolution has no bias and zero padding, so conv(x / 255) equals
    conv(x) with its weights divided by 255: the exported graph loses a full-frame
    division (about 1 % of a frame's inference at one thread) and computes the same.
    """
    folded = copy.deepcopy(model)
    first = folded.stem[0][0]  # type: ignore[index]
    assert isinstance(first, nn.Conv2d) and first.bias is None and first.padding_mode == "zeros"
    with torch.no_grad():
        first.weight.div_(255.0)
    folded.input_folded = True
    return folded
