"""Fused CUDA kernels for the training plan and Adam on cupy: one launch where the ``xp`` path
takes several.

On a GPU a training step of small layers is bound by launches (measured on an H200: about
30 microseconds of Python per cupy call, 11 calls in a conv block's forward and 22 in its
backward), so the plan's CUDA stages call these kernels instead. Each computes what the
``xp`` code computes, in the same order of float operations (compiled without fused
multiply-adds), so results equal the numpy path's within rounding of the reductions. They are
compiled with flush-to-zero (``--ftz=true``, single precision only), as the CPU trainer runs
(:mod:`engine.fpenv`): a fitted network's subnormal gradients and Adam moments become 0.

Layouts are the plan's (see :mod:`engine.kernels.chwn`): images (C, H, W, N) or any strides,
columns (C*K*K, positions) with positions ordered (Ho, Wo, N), or (2, 2, Ho/2, Wo/2, N) when a
2x2 max pool follows.
"""

from __future__ import annotations

import functools

import numpy as np

THREADS = 256
#: no fused multiply-adds (the numpy path's rounding); subnormal float32 values flushed to 0
NVRTC_OPTIONS = ("--fmad=false", "--ftz=true")
MAX_BLOCKS = 65536  # the kernels loop (grid-stride) over what more blocks would cover

SOURCE = r"""
typedef %(T)s T;
typedef %(I)s I;

#define EACH(i, total) \
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < (total); \
         i += (I)blockDim.x * gridDim.x)

/* conv output position (oh, ow, n) of column position pos in the plan's order */
__device__ void position(I pos, I N, I Ho, I Wo, I pooled, I* oh, I* ow, I* n) {
    *n = pos %% N;
    I rest = pos / N;
    if (pooled) {
        I hp = Ho / 2, wp = Wo / 2;
        I j = rest %% wp; rest /= wp;
        I i = rest %% hp; rest /= hp;
        *oh = 2 * i + rest / 2;
        *ow = 2 * j + rest %% 2;
    } else {
        *ow = rest %% Wo;
        *oh = rest / Wo;
    }
}

/* cols[(c, ki, kj), pos] = x[c, oh*stride - pad + ki, ow*stride - pad + kj, n] or 0 */
extern "C" __global__ void im2col(const T* x, T* cols, I H, I W, I N,
        I sc, I sh, I sw, I sn, I K, I stride, I pad, I Ho, I Wo, I pooled,
        I positions, I total) {
    EACH(i, total) {
        I pos = i %% positions, row = i / positions;
        I kj = row %% K, ki = (row / K) %% K, c = row / (K * K);
        I oh, ow, n;
        position(pos, N, Ho, Wo, pooled, &oh, &ow, &n);
        I h = oh * stride - pad + ki, w = ow * stride - pad + kj;
        bool inside = h >= 0 && h < H && w >= 0 && w < W;
        cols[i] = inside ? x[c * sc + h * sh + w * sw + n * sn] : (T)0;
    }
}

/* col2im by gathering: dx[c, h, w, n] = sum over taps (ki, kj) of the columns covering it,
   added in (ki, kj) order onto 0 as the xp fold does */
extern "C" __global__ void col2im(const T* dcols, T* dx, I H, I W, I N, I K, I stride,
        I pad, I Ho, I Wo, I pooled, I positions, I total) {
    I hp = Ho / 2, wp = Wo / 2;
    EACH(i, total) {
        I n = i %% N, rest = i / N;
        I w = rest %% W; rest /= W;
        I h = rest %% H, c = rest / H;
        T acc = 0;
        for (I ki = 0; ki < K; ++ki) {
            I th = h + pad - ki;
            if (th < 0 || th %% stride != 0) continue;
            I oh = th / stride;
            if (oh >= (pooled ? 2 * hp : Ho)) continue;
            for (I kj = 0; kj < K; ++kj) {
                I tw = w + pad - kj;
                if (tw < 0 || tw %% stride != 0) continue;
                I ow = tw / stride;
                if (ow >= (pooled ? 2 * wp : Wo)) continue;
                I pos = pooled
                    ? ((((oh %% 2) * 2 + ow %% 2) * hp + oh / 2) * wp + ow / 2) * N + n
                    : (oh * Wo + ow) * N + n;
                acc += dcols[((c * K + ki) * K + kj) * positions + pos];
            }
        }
        dx[i] = acc;
    }
}

/* out[f, p] = relu(max of y[f, 0..3, p] + b[f]) with the winner's index (first max wins:
   the pairwise order of chwn.maxpool2x2_forward), or relu(y[f, p] + b[f]) unpooled */
extern "C" __global__ void pool_bias_relu(const T* y, const T* b, T* out,
        unsigned char* winner, I P, I pooled, I relu, I total) {
    EACH(i, total) {
        I f = i / P, p = i %% P;
        T v;
        if (pooled) {
            const T* yf = y + f * 4 * P + p;
            T y0 = yf[0], y1 = yf[P], y2 = yf[2 * P], y3 = yf[3 * P];
            bool right = y1 > y0, lower_right = y3 > y2;
            T upper = right ? y1 : y0, lower = lower_right ? y3 : y2;
            bool below = lower > upper;
            v = below ? lower : upper;
            winner[i] = below ? 2 + lower_right : right;
        } else {
            v = y[i];
        }
        v = v + b[f];
        out[i] = relu ? (v > 0 ? v : (T)0) : v;
    }
}

/* g = grad * (out > 0) (or grad), and dy[f, k, p] = g at the pool winner k, else 0 */
extern "C" __global__ void relu_unpool(const T* grad, const T* out,
        const unsigned char* winner, T* g, T* dy, I P, I pooled, I relu, I total) {
    EACH(i, total) {
        T v = grad[i];
        if (relu) v = v * (out[i] > 0 ? (T)1 : (T)0);
        g[i] = v;
        if (pooled) {
            I f = i / P, p = i %% P;
            T* d = dy + f * 4 * P + p;
            int k = winner[i];
            for (int j = 0; j < 4; ++j) d[j * P] = k == j ? v : (T)0;
        }
    }
}

/* Softmax cross-entropy of scores (N, M) and labels (N,) in one block: dscores =
   (softmax - onehot) * scale, result = {mean loss, number of labels outside 0..M-1}
   (those rows count 0 and get a zero gradient) */
extern "C" __global__ void softmax_xent(const T* scores, const long long* labels, T* dscores,
        double* result, I N, I M, T scale) {
    __shared__ double loss[%(THREADS)d];
    __shared__ int bad[%(THREADS)d];
    double total = 0;
    int wrong = 0;
    for (I r = threadIdx.x; r < N; r += blockDim.x) {
        const T* row = scores + r * M;
        T* drow = dscores + r * M;
        T top = row[0];
        for (I j = 1; j < M; ++j) top = row[j] > top ? row[j] : top;
        T sum = 0;
        for (I j = 0; j < M; ++j) sum += exp(row[j] - top);
        T log_sum = log(sum);
        long long y = labels[r];
        if (y < 0 || y >= M) {
            wrong += 1;
            for (I j = 0; j < M; ++j) drow[j] = 0;
            continue;
        }
        total -= (double)((row[y] - top) - log_sum);
        for (I j = 0; j < M; ++j) {
            T p = exp((row[j] - top) - log_sum);
            drow[j] = (p - (j == y ? (T)1 : (T)0)) * scale;
        }
    }
    loss[threadIdx.x] = total;
    bad[threadIdx.x] = wrong;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            loss[threadIdx.x] += loss[threadIdx.x + half];
            bad[threadIdx.x] += bad[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        result[0] = loss[0] / N;
        result[1] = bad[0];
    }
}

/* Adam's direction, as engine.optim.Adam.direction computes it op by op */
extern "C" __global__ void adam(const T* g, T* m, T* v, T* out, T b1, T one_minus_b1,
        T b2, T one_minus_b2, T inverse_correction2, T eps, T step, I total) {
    EACH(i, total) {
        T grad = g[i];
        T mi = m[i] * b1 + grad * one_minus_b1;
        T vi = v[i] * b2 + (grad * grad) * one_minus_b2;
        m[i] = mi;
        v[i] = vi;
        out[i] = mi / (sqrt(vi) * inverse_correction2 + eps) * step;
    }
}
"""


def kernel_source(dtype: str, wide: bool) -> str:
    """The CUDA source for float dtype ``dtype`` ('float32' or 'float64'); ``wide``: 64-bit
    indices (arrays of 2**31 elements or more)."""
    real = {"float32": "float", "float64": "double"}[dtype]
    return SOURCE % {"T": real, "I": "long long" if wide else "int", "THREADS": THREADS}


def compile_module(source: str):
    """The kernels of ``source`` as a cupy RawModule (tests compile them for the CPU)."""
    import cupy

    return cupy.RawModule(code=source, options=NVRTC_OPTIONS)


@functools.cache
def _module(dtype: str, wide: bool):
    return compile_module(kernel_source(dtype, wide))


@functools.cache
def _function(name: str, dtype: str, wide: bool):
    return _module(dtype, wide).get_function(name)


def _launch(name: str, array, total: int, *args) -> None:
    """Run kernel ``name`` (for ``array``'s dtype) over ``total`` elements; ``args`` are
    arrays and Python numbers, passed as the kernel's index type I (ints) or T (floats)."""
    wide = _wide(total, *(a.size for a in args if hasattr(a, "data")))
    dtype = np.dtype(array.dtype)
    index = np.int64 if wide else np.int32
    converted = tuple(
        a if hasattr(a, "data") else (index(a) if isinstance(a, int) else dtype.type(a))
        for a in (*args, total)
    )
    blocks = min(MAX_BLOCKS, max(1, -(-total // THREADS)))
    _function(name, dtype.name, wide)((blocks,), (THREADS,), converted)


def im2col(x, cols, kernel: int, stride: int, pad: int, conv_hw, pooled: bool) -> None:
    """cols (C*K*K, positions) from x, an image batch (C, H, W, N) given by any view."""
    channels, height, width, batch = x.shape
    steps = [s // x.itemsize for s in x.strides]
    flags = (kernel, stride, pad, *conv_hw, int(pooled))
    _launch(
        "im2col", x, cols.size, x, cols, height, width, batch, *steps, *_ints(flags), cols.shape[1]
    )


def col2im(dcols, dx, kernel: int, stride: int, pad: int, conv_hw, pooled: bool) -> None:
    """dx (C, H, W, N), contiguous: each cell the sum of the columns of dcols covering it."""
    _, height, width, batch = dx.shape
    flags = (kernel, stride, pad, *conv_hw, int(pooled))
    _launch(
        "col2im", dcols, dx.size, dcols, dx, height, width, batch, *_ints(flags), dcols.shape[1]
    )


def pool_bias_relu(y, bias, out, winner, pooled: bool, relu: bool) -> None:
    """out (F, P) from y (F, 4, P) (or (F, P) unpooled): pool, add bias, ReLU; winner (F, P)."""
    _launch(
        "pool_bias_relu", out, out.size, y, bias, out, winner, out.shape[1], *_ints((pooled, relu))
    )


def relu_unpool(grad, out, winner, g, dy, pooled: bool, relu: bool) -> None:
    """g (F, P) = grad through the ReLU; dy (F, 4, P) = g at each window's winner."""
    _launch("relu_unpool", g, g.size, grad, out, winner, g, dy, g.shape[1], *_ints((pooled, relu)))


def softmax_cross_entropy(scores, labels, dscores, result) -> None:
    """dscores (N, M) = d(mean loss)/dscores; result (2,) float64 = (loss, bad labels)."""
    rows, classes = scores.shape
    dtype, wide = np.dtype(scores.dtype), _wide(scores.size)
    kernel = _function("softmax_xent", dtype.name, wide)
    index = np.int64 if wide else np.int32
    scores = scores if scores.flags.c_contiguous else scores.copy()
    labels = labels if labels.dtype == np.int64 else labels.astype(np.int64)
    args = (scores, labels, dscores, result, index(rows), index(classes), dtype.type(1.0 / rows))
    kernel((1,), (THREADS,), args)


def adam_direction(grad, m, v, out, beta1, beta2, inverse_correction2, eps, step) -> None:
    """Adam's m, v update and the step to subtract, written into ``out`` (flat arrays)."""
    numbers = (beta1, 1.0 - beta1, beta2, 1.0 - beta2, inverse_correction2, eps, step)
    _launch("adam", grad, grad.size, grad, m, v, out, *(float(n) for n in numbers))


def _wide(*sizes: int) -> bool:
    """Whether indices into arrays of these sizes need 64 bits (room left for the grid
    stride: a thread's index may pass the end by up to MAX_BLOCKS * THREADS)."""
    return max(sizes) >= 2**31 - MAX_BLOCKS * THREADS


def _ints(values) -> tuple[int, ...]:
    return tuple(int(v) for v in values)
