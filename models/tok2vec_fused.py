"""spaCy's tok2vec forward pass for inference, as one function: the same numbers, less overhead.

en_core_web_sm's `tok2vec` is a thinc model of some 60 layers (six hash embeddings, a maxout
and layer norm over them, then four residual blocks of window, maxout and layer norm). On a
live final of 15 words the arithmetic is a few small matrix products; most of thinc's time goes
to calling through the layer tree (chain, with_array, residual, concatenate, the parameter
store, a backprop closure made at every layer). Here the same primitive operations run in the
same order on the same arrays (thinc's own `ops.hash`, `gather_add`, `gemm`, `maxout`,
`seq2col`, `flatten` and numpy's mean and variance as thinc's LayerNorm calls them), so every
token vector is bit for bit what `model.predict` gives (tests/models/test_fast_components.py),
and the tagger and parser that read them decide the same.

The fused pass is used only when the model has exactly the architecture it was written for
(`spacy.Tok2Vec.v2` with `MultiHashEmbed.v2` and `MaxoutWindowEncoder.v2`, checked layer by
layer at load); otherwise, and for a batch with an empty doc, the stock forward runs. Only
inference is replaced: `Tok2Vec.update` (training) still runs thinc's model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.pipeline import Tok2Vec
from spacy.tokens import Doc
from thinc.api import Model, NumpyOps

PIPE = "tok2vec"
# thinc's LayerNorm adds this to the variance before its square root.
LAYERNORM_EPS = 1e-08
EMBED_NAME = "ints-getitem>>hashembed"
BLOCK_NAME = "residual(expand_window>>maxout>>layernorm>>dropout)"


@dataclass(frozen=True, slots=True)
class _Maxout:
    """A maxout layer followed by layer norm (and dropout, a no-op at inference)."""

    W: Any  # (nO * nP, nI), a view of thinc's (nO, nP, nI) parameter
    b: Any  # (nO * nP,)
    nO: int
    nP: int
    G: Any
    norm_b: Any


@dataclass(frozen=True, slots=True)
class _Embed:
    column: int
    E: Any
    seed: int


class FusedTok2Vec:
    """The tok2vec model's inference as one function over thinc's primitive operations."""

    def __init__(
        self,
        ops: NumpyOps,
        columns: Sequence[Any],
        embeds: Sequence[_Embed],
        mix: _Maxout,
        blocks: Sequence[_Maxout],
        window: int,
        pad: int,
    ) -> None:
        self.ops = ops
        self.columns = list(columns)
        self.embeds = tuple(embeds)
        self.mix = mix
        self.blocks = tuple(blocks)
        self.window = window
        self.pad = pad

    def _maxout_norm(self, layer: _Maxout, X: Any) -> Any:
        ops = self.ops
        # thinc's maxout forward: gemm, bias, maxout over the pieces.
        Y = ops.gemm(X, layer.W, trans2=True)
        Y += layer.b
        best, _which = ops.maxout(Y.reshape((Y.shape[0], layer.nO, layer.nP)))
        # thinc's LayerNorm forward: X.mean(axis=1) and X.var(axis=1) as numpy's own methods compute
        # them (a float32 sum divided by the count as an intp, the variance from that same mean),
        # called as ufuncs directly, without the methods' argument handling.
        count = np.intp(best.shape[1])
        mu = np.add.reduce(best, axis=1, keepdims=True)
        np.true_divide(mu, count, out=mu, casting="unsafe")
        dev = np.subtract(best, mu)
        np.square(dev, out=dev)
        var = np.add.reduce(dev, axis=1, keepdims=True)
        np.true_divide(var, count, out=var, casting="unsafe")
        var = var + LAYERNORM_EPS
        Xhat = (best - mu) * var ** (-1.0 / 2.0)
        out = Xhat * layer.G
        out += layer.norm_b
        return out

    def __call__(self, docs: Sequence[Doc]) -> list[Any]:
        ops = self.ops
        # extract_features >> list2ragged
        features = [ops.asarray2i(doc.to_array(self.columns), dtype="uint64") for doc in docs]
        lengths = ops.asarray1i([len(x) for x in features])
        X = ops.flatten(features)
        # with_array(concatenate(ints-getitem >> hashembed, ...))
        vectors = []
        for embed in self.embeds:
            ids = ops.as_contig(X[:, embed.column], dtype="uint64")
            keys = ops.hash(ids, embed.seed) % embed.E.shape[0]
            vectors.append(ops.gather_add(embed.E, keys))
        mixed = self._maxout_norm(self.mix, ops.xp.hstack(vectors))
        # ragged2list >> with_array(pad=...)(residual blocks)
        Xf = ops.flatten(ops.unflatten(mixed, lengths), pad=self.pad)
        for block in self.blocks:
            Xf = Xf + self._maxout_norm(block, ops.seq2col(Xf, self.window))
        out: list[Any] = ops.unflatten(Xf, lengths, pad=self.pad)
        return out


def _maxout(maxout: Model[Any, Any], norm: Model[Any, Any]) -> _Maxout:
    nO, nP, nI = maxout.get_dim("nO"), maxout.get_dim("nP"), maxout.get_dim("nI")
    return _Maxout(
        W=maxout.get_param("W").reshape((nO * nP, nI)),
        b=maxout.get_param("b").reshape((nO * nP,)),
        nO=nO,
        nP=nP,
        G=norm.get_param("G"),
        norm_b=norm.get_param("b"),
    )


def _maxout_layers(chained: Model[Any, Any]) -> tuple[Model[Any, Any], Model[Any, Any]] | None:
    """(maxout, layernorm) of a `maxout>>layernorm>>dropout` chain, else None."""
    if chained.name != "maxout>>layernorm>>dropout":
        return None
    inner, dropout = chained.layers
    if dropout.name != "dropout" or inner.name != "maxout>>layernorm":
        return None
    maxout, norm = inner.layers
    if maxout.name != "maxout" or norm.name != "layernorm" or maxout.layers or norm.layers:
        return None
    if maxout.get_dim("nO") != norm.get_dim("nI"):
        return None
    return maxout, norm


def fuse(model: Model[Any, Any]) -> FusedTok2Vec | None:
    """The fused forward of a tok2vec model of the expected architecture, else None."""
    if not isinstance(model.ops, NumpyOps) or len(model.layers) != 2:
        return None
    embed, encode = model.layers
    if len(embed.layers) != 5 or [m.name for m in (embed.layers[0], embed.layers[1], embed.layers[4])] != [
        "extract_features",
        "list2ragged",
        "ragged2list",
    ]:
        return None
    columns = embed.layers[0].attrs.get("columns")
    concat_wrap, mix_wrap = embed.layers[2], embed.layers[3]
    if not (concat_wrap.name.startswith("with_array(") and mix_wrap.name.startswith("with_array(")):
        return None
    if concat_wrap.attrs.get("pad") != 0 or mix_wrap.attrs.get("pad") != 0:
        return None
    (concat,) = concat_wrap.layers
    embeds: list[_Embed] = []
    for i, layer in enumerate(concat.layers):
        if layer.name != EMBED_NAME:
            return None
        getitem, hashembed = layer.layers
        if getitem.attrs.get("index") != (slice(0, None, None), i) or hashembed.name != "hashembed":
            return None
        embeds.append(_Embed(i, hashembed.get_param("E"), int(hashembed.attrs["seed"])))
    if not isinstance(columns, list) or len(embeds) != len(columns) or not embeds:
        return None
    (mix_chain,) = mix_wrap.layers
    mix = _maxout_layers(mix_chain)
    if mix is None or not encode.name.startswith("with_array("):
        return None
    (blocks_chain,) = encode.layers
    blocks_layers = [blocks_chain] if blocks_chain.name == BLOCK_NAME else list(blocks_chain.layers)
    blocks: list[_Maxout] = []
    windows: set[int] = set()
    for block in blocks_layers:
        if block.name != BLOCK_NAME:
            return None
        (inner,) = block.layers
        window, chained = inner.layers
        found = _maxout_layers(chained)
        if window.name != "expand_window" or found is None:
            return None
        windows.add(int(window.attrs["window_size"]))
        blocks.append(_maxout(*found))
    if len(windows) != 1 or not blocks:
        return None
    return FusedTok2Vec(
        model.ops, columns, embeds, _maxout(*mix), blocks, windows.pop(), int(encode.attrs["pad"])
    )


def use_fused_tok2vec(nlp: Language, name: str = PIPE) -> bool:
    """Run the named tok2vec's inference through the fused forward; False if it does not fit."""
    if name not in nlp.pipe_names:
        return False
    pipe = nlp.get_pipe(name)
    if not isinstance(pipe, Tok2Vec):
        return False
    fused = fuse(pipe.model)
    if fused is None:
        return False
    stock: Callable[[Iterable[Doc]], Any] = pipe.predict

    def predict(docs: Iterable[Doc]) -> Any:
        batch = list(docs)
        if not batch or not all(len(doc) for doc in batch):
            return stock(batch)
        return fused(batch)

    # Tok2Vec.__call__ and .pipe call self.predict: an instance attribute takes its place.
    pipe.predict = predict  # type: ignore[method-assign]
    return True
