"""Convert MediaPipe's published .tflite models to ONNX that tract can run.

Why our own converter: tract cannot read .tflite, and the public converters
(tflite2onnx, tf2onnx) fail on these files. The models use a small set of
operators, each mapped here by hand:

* fp16 weights (``DEQUANTIZE``) and sparse weights (``DENSIFY``) are decoded
  here and stored dense, still as float16 (exact; a Cast to float32 that
  tract folds at load time keeps the files near the .tflite's size);
* the graph is rewritten from TFLite's NHWC layout to ONNX's NCHW: every 4-D
  tensor is kept transposed, and the model's 4-D inputs and outputs keep
  TFLite's NHWC so callers see the same shapes as with TFLite;
* MediaPipe's custom ``Convolution2DTransposeBias`` is ConvTranspose + bias;
* ``HARD_SWISH`` is x * HardSigmoid(x, 1/6, 1/2).

Usage: tflite_to_onnx.py IN.tflite OUT.onnx
"""

import struct
import sys

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper
from tflite.BuiltinOperator import BuiltinOperator
from tflite.TensorType import TensorType

OP_NAMES = {v: k for k, v in BuiltinOperator.__dict__.items() if not k.startswith("_")}
NP_TYPES = {
    TensorType.FLOAT32: np.float32,
    TensorType.FLOAT16: np.float16,
    TensorType.INT32: np.int32,
    TensorType.INT64: np.int64,
    TensorType.UINT8: np.uint8,
    TensorType.INT8: np.int8,
}
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
# A 4-D tensor's NHWC axis → its axis in our NCHW copy.
AXIS_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}


def options(op, cls):
    """The builtin options table of `op` read as `cls`."""
    table = op.BuiltinOptions()
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return opts


def union_vector(dm, kind):
    """An int array of a sparse dimension (segments or indices), whatever its width."""
    from tflite.Int32Vector import Int32Vector
    from tflite.Uint16Vector import Uint16Vector
    from tflite.Uint8Vector import Uint8Vector
    from tflite.SparseIndexVector import SparseIndexVector

    vtype = dm.ArraySegmentsType() if kind == "segments" else dm.ArrayIndicesType()
    table = dm.ArraySegments() if kind == "segments" else dm.ArrayIndices()
    cls = {
        SparseIndexVector.Int32Vector: Int32Vector,
        SparseIndexVector.Uint16Vector: Uint16Vector,
        SparseIndexVector.Uint8Vector: Uint8Vector,
    }[vtype]
    vec = cls()
    vec.Init(table.Bytes, table.Pos)
    return vec.ValuesAsNumpy()


def densify(values, shape, sparsity):
    """Decode TFLite's sparse tensor format (traversal order, block map, CSR
    dimensions) into a dense array of `shape`."""
    order = list(sparsity.TraversalOrderAsNumpy())
    block_map = list(sparsity.BlockMapAsNumpy()) if sparsity.BlockMapLength() else []
    rank = len(shape)
    dims = []
    for k in range(sparsity.DimMetadataLength()):
        dm = sparsity.DimMetadata(k)
        if dm.Format() == 0:
            dims.append(("dense", dm.DenseSize()))
        else:
            dims.append(("sparse", union_vector(dm, "segments"), union_vector(dm, "indices")))
    # Block dimensions follow the `rank` ordinary ones in traversal order.
    block_size = {}
    for b, original in enumerate(block_map):
        d = dims[rank + b]
        block_size[original] = d[1]
    dense = np.zeros(shape, dtype=values.dtype)
    cursor = iter(values)
    coords = [0] * len(order)

    def walk(level, prev):
        if level == len(order):
            index = [0] * rank
            for lvl, dim in enumerate(order):
                if dim < rank:
                    index[dim] += coords[lvl] * block_size.get(dim, 1)
                else:
                    index[block_map[dim - rank]] += coords[lvl]
            dense[tuple(index)] = next(cursor)
            return
        d = dims[order[level]] if len(dims) == len(order) else dims[level]
        if d[0] == "dense":
            for c in range(d[1]):
                coords[level] = c
                walk(level + 1, prev * d[1] + c)
        else:
            segments, indices = d[1], d[2]
            for pos in range(segments[prev], segments[prev + 1]):
                coords[level] = int(indices[pos])
                walk(level + 1, pos)

    walk(0, 0)
    return dense


class Converter:
    def __init__(self, data):
        self.model = tflite.Model.GetRootAsModel(data, 0)
        self.graph = self.model.Subgraphs(0)
        self.nodes = []
        self.initializers = []
        self.consts = {}  # tensor index → numpy value known at conversion time
        self.counter = 0

    # -- tensors ---------------------------------------------------------
    def tensor(self, i):
        return self.graph.Tensors(i)

    def name(self, i):
        return f"t{i}_" + self.tensor(i).Name().decode().replace("/", "_").replace(";", "_")[:60]

    def shape(self, i):
        t = self.tensor(i)
        return [int(x) for x in t.ShapeAsNumpy()] if t.ShapeLength() else []

    def buffer(self, i):
        t = self.tensor(i)
        buf = self.model.Buffers(t.Buffer())
        if buf is None or buf.DataLength() == 0:
            return None
        raw = buf.DataAsNumpy().tobytes()
        values = np.frombuffer(raw, dtype=NP_TYPES[t.Type()])
        if t.Sparsity() is not None:
            return densify(values, self.shape(i), t.Sparsity())
        return values.reshape(self.shape(i))

    def const(self, i):
        if i in self.consts:
            return self.consts[i]
        value = self.buffer(i)
        if value is not None:
            self.consts[i] = value
        return value

    def fresh(self, stem):
        self.counter += 1
        return f"{stem}_{self.counter}"

    def initializer(self, array, stem):
        name = self.fresh(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weights(self, i, perm=None):
        """A weight tensor as an initializer (transposed by `perm`): float16
        values stay float16 on disk behind a Cast."""
        value = self.const(i)
        if perm is not None:
            value = value.transpose(perm)
        if value.dtype != np.float16:
            return self.initializer(value.astype(np.float32), "w"), value.shape
        half = self.initializer(value, "w16")
        name = self.fresh("w")
        self.node("Cast", [half], [name], to=TensorProto.FLOAT)
        return name, value.shape

    def operand(self, i):
        """The ONNX name of tensor `i`, making an initializer for constants
        (4-D constants transposed to NCHW, like every 4-D tensor here)."""
        value = self.const(i)
        if value is None:
            return self.name(i)
        value = value.astype(np.float32) if value.dtype == np.float16 else value
        if value.ndim == 4:
            value = value.transpose(NHWC_TO_NCHW)
        return self.initializer(value, "c")

    def broadcast_operand(self, i, other_rank):
        """A constant that broadcasts over the channel axis of a 4-D tensor:
        TFLite's trailing [C] becomes [C,1,1] in NCHW."""
        value = self.const(i)
        if value is None or other_rank != 4 or value.ndim == 4:
            return self.operand(i)
        value = value.astype(np.float32)
        if value.ndim >= 1 and value.shape[-1] > 1:
            value = value.reshape(-1, 1, 1)
        return self.initializer(value, "c")

    def node(self, op_type, inputs, outputs, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=self.fresh(op_type), **attrs))

    def activate(self, value, fused, output):
        """Apply a fused activation (0 none, 1 relu, 3 relu6) to `value`, writing `output`."""
        if fused == 0:
            self.node("Identity", [value], [output])
        elif fused == 1:
            self.node("Relu", [value], [output])
        elif fused == 3:
            lo = self.initializer(np.array(0, np.float32), "lo")
            hi = self.initializer(np.array(6, np.float32), "hi")
            self.node("Clip", [value, lo, hi], [output])
        else:
            raise NotImplementedError(f"fused activation {fused}")

    @staticmethod
    def same_pads(size, kernel, stride, dilation=1):
        out = (size + stride - 1) // stride
        total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
        return total // 2, total - total // 2

    def pads(self, padding, in_shape, kh, kw, sh, sw, dh=1, dw=1):
        if padding == 1:  # VALID
            return [0, 0, 0, 0]
        top, bottom = self.same_pads(in_shape[1], kh, sh, dh)
        left, right = self.same_pads(in_shape[2], kw, sw, dw)
        return [top, left, bottom, right]

    def convolution(self, op, kind, ins, out):
        """CONV_2D (weights OHWI) or DEPTHWISE_CONV_2D (1HWO, one group per input
        channel) as an ONNX Conv with explicit pads and the fused activation."""
        depthwise = kind == "DEPTHWISE_CONV_2D"
        o = options(op, tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions)
        w, w_shape = self.weights(ins[1], (3, 0, 1, 2) if depthwise else (0, 3, 1, 2))  # → OIHW
        x_shape = self.shape(ins[0])
        pads = self.pads(o.Padding(), x_shape, w_shape[2], w_shape[3], o.StrideH(), o.StrideW(),
                         o.DilationHFactor(), o.DilationWFactor())
        inputs = [self.name(ins[0]), w]
        if len(ins) > 2 and ins[2] >= 0:
            inputs.append(self.weights(ins[2])[0])
        tmp = self.fresh("dwconv" if depthwise else "conv")
        groups = {"group": x_shape[3]} if depthwise else {}
        self.node("Conv", inputs, [tmp], kernel_shape=list(w_shape[2:]), pads=pads,
                  strides=[o.StrideH(), o.StrideW()],
                  dilations=[o.DilationHFactor(), o.DilationWFactor()], **groups)
        self.activate(tmp, o.FusedActivationFunction(), out)

    # -- operators -------------------------------------------------------
    def convert_op(self, op):
        code_table = self.model.OperatorCodes(op.OpcodeIndex())
        code = max(code_table.BuiltinCode(), code_table.DeprecatedBuiltinCode())
        kind = OP_NAMES.get(code)
        ins = [int(x) for x in op.InputsAsNumpy()]
        outs = [int(x) for x in op.OutputsAsNumpy()]
        out = self.name(outs[0])

        if kind == "DEQUANTIZE" or kind == "DENSIFY":
            value = self.const(ins[0])
            if value is None:
                raise NotImplementedError(f"{kind} of a runtime tensor")
            # Both keep the values' float16 type: `weights` stores them as such.
            self.consts[outs[0]] = value
            return
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            self.convolution(op, kind, ins, out)
        elif kind in ("ADD", "MUL"):
            o = options(op, tflite.AddOptions if kind == "ADD" else tflite.MulOptions)
            rank = max(len(self.shape(ins[0])), len(self.shape(ins[1])))
            tmp = self.fresh(kind.lower())
            self.node("Add" if kind == "ADD" else "Mul",
                      [self.broadcast_operand(ins[0], rank), self.broadcast_operand(ins[1], rank)], [tmp])
            self.activate(tmp, o.FusedActivationFunction(), out)
        elif kind == "PAD":
            p = self.const(ins[1]).astype(np.int64)  # [rank, 2] in NHWC
            if len(p) == 4:
                p = p[NHWC_TO_NCHW]
            pads = self.initializer(np.concatenate([p[:, 0], p[:, 1]]).astype(np.int64), "pads")
            self.node("Pad", [self.name(ins[0]), pads], [out], mode="constant")
        elif kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            o = options(op, tflite.Pool2DOptions)
            kh, kw = o.FilterHeight(), o.FilterWidth()
            pads = self.pads(o.Padding(), self.shape(ins[0]), kh, kw, o.StrideH(), o.StrideW())
            tmp = self.fresh("pool")
            self.node("MaxPool" if kind == "MAX_POOL_2D" else "AveragePool", [self.name(ins[0])], [tmp],
                      kernel_shape=[kh, kw], pads=pads, strides=[o.StrideH(), o.StrideW()])
            self.activate(tmp, o.FusedActivationFunction(), out)
        elif kind == "CONCATENATION":
            o = options(op, tflite.ConcatenationOptions)
            rank = len(self.shape(outs[0]))
            axis = o.Axis() % rank
            if rank == 4:
                axis = AXIS_TO_NCHW[axis]
            tmp = self.fresh("concat")
            self.node("Concat", [self.operand(i) for i in ins], [tmp], axis=axis)
            self.activate(tmp, o.FusedActivationFunction(), out)
        elif kind == "RESHAPE":
            src = self.name(ins[0])
            if len(self.shape(ins[0])) == 4:
                nhwc = self.fresh("nhwc")
                self.node("Transpose", [src], [nhwc], perm=NCHW_TO_NHWC)
                src = nhwc
            target = self.shape(outs[0])
            shape = self.initializer(np.array(target, np.int64), "shape")
            if len(target) == 4:
                tmp = self.fresh("reshaped")
                self.node("Reshape", [src, shape], [tmp])
                self.node("Transpose", [tmp], [out], perm=NHWC_TO_NCHW)
            else:
                self.node("Reshape", [src, shape], [out])
        elif kind == "RESIZE_BILINEAR":
            o = options(op, tflite.ResizeBilinearOptions)
            size = self.const(ins[1]).astype(np.int64)
            n, _, _, c = self.shape(ins[0])
            sizes = self.initializer(np.array([n, c, size[0], size[1]], np.int64), "sizes")
            mode = "align_corners" if o.AlignCorners() else ("half_pixel" if o.HalfPixelCenters() else "asymmetric")
            self.node("Resize", [self.name(ins[0]), "", "", sizes], [out], mode="linear",
                      coordinate_transformation_mode=mode)
        elif kind == "DEPTH_TO_SPACE":
            o = options(op, tflite.DepthToSpaceOptions)
            self.node("DepthToSpace", [self.name(ins[0])], [out], blocksize=o.BlockSize(), mode="DCR")
        elif kind == "LOGISTIC":
            self.node("Sigmoid", [self.name(ins[0])], [out])
        elif kind == "RELU":
            self.node("Relu", [self.name(ins[0])], [out])
        elif kind == "HARD_SWISH":
            gate = self.fresh("gate")
            self.node("HardSigmoid", [self.name(ins[0])], [gate], alpha=1.0 / 6.0, beta=0.5)
            self.node("Mul", [self.name(ins[0]), gate], [out])
        elif kind == "CUSTOM" and code_table.CustomCode() == b"Convolution2DTransposeBias":
            # custom options = TfLiteTransposeConvParams {padding, stride_width, stride_height}
            padding, stride_w, stride_h = struct.unpack("<iii", op.CustomOptionsAsNumpy().tobytes()[:12])
            w, w_shape = self.weights(ins[1], (3, 0, 1, 2))  # OHWI → IOHW
            b = self.weights(ins[2])[0]
            kh, kw = w_shape[2], w_shape[3]
            _, ih, iw, _ = self.shape(ins[0])
            _, oh, ow, _ = self.shape(outs[0])
            th = stride_h * (ih - 1) + kh - oh
            tw = stride_w * (iw - 1) + kw - ow
            pads = [th // 2, tw // 2, th - th // 2, tw - tw // 2]
            self.node("ConvTranspose", [self.name(ins[0]), w, b],
                      [out], kernel_shape=[kh, kw], strides=[stride_h, stride_w], pads=pads)
        else:
            raise NotImplementedError(f"operator {kind} ({code})")

    def convert(self, output_names=None):
        g = self.graph
        inputs, outputs = [], []
        for k in range(g.InputsLength()):
            i = g.Inputs(k)
            shape = self.shape(i)
            graph_name = self.tensor(i).Name().decode()
            inputs.append(helper.make_tensor_value_info(graph_name, TensorProto.FLOAT, shape))
            if len(shape) == 4:
                self.node("Transpose", [graph_name], [self.name(i)], perm=NHWC_TO_NCHW)
            else:
                self.node("Identity", [graph_name], [self.name(i)])
        for k in range(g.OperatorsLength()):
            self.convert_op(g.Operators(k))
        for k in range(g.OutputsLength()):
            i = g.Outputs(k)
            shape = self.shape(i)
            graph_name = (output_names or {}).get(k, self.tensor(i).Name().decode())
            outputs.append(helper.make_tensor_value_info(graph_name, TensorProto.FLOAT, shape))
            if len(shape) == 4:
                self.node("Transpose", [self.name(i)], [graph_name], perm=NCHW_TO_NHWC)
            else:
                self.node("Identity", [self.name(i)], [graph_name])
        graph = helper.make_graph(self.nodes, "mediapipe", inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                  producer_name="tryon-vision tflite_to_onnx")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def main():
    src, dst = sys.argv[1], sys.argv[2]
    model = Converter(open(src, "rb").read()).convert()
    onnx.save(model, dst)


if __name__ == "__main__":
    main()
