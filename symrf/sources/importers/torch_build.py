"""Walk a traced PyTorch graph and build the symrf :class:`~symrf.layers.graph.Graph`.

Each fx node becomes at most one graph node. Module calls are rows named by the module's
qualified name (``layer1.0.conv1``); function calls that change geometry (pooling, padding,
interpolation, flatten, spatial means, merges) are rows named by their fx node name
(``add_3``); calls that only relabel dimensions or act elementwise (``view``, ``permute``,
``relu``) are aliases of their input's row, so ``upto=`` still finds them. The mapping of
each kind of call lives in :mod:`symrf.sources.importers.torch_modules` and
:mod:`symrf.sources.importers.torch_functions`; this module holds the walk and the merges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from symrf.errors import NetworkError, SpecError, SymrfError
from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.context import Context
from symrf.layers.graph import INPUT, Graph, Node
from symrf.layers.parallel import Merge
from symrf.layers.pointwise import Identity
from symrf.sources.importers.torch_axes import MIXED, TOKENS, Dims, Flow, broadcast


class UnmappedError(SpecError):
    """A traced call has no receptive-field mapping (raised as a ``SpecError``)."""


@dataclass
class Builder:
    """The graph under construction, and what each traced value has become."""

    axes: int
    include: bool
    isotropic: bool = True
    """Whether the example input is square: equal per-axis values then become one scalar."""
    nodes: list[Node] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    flows: dict[str, Any] = field(default_factory=dict)
    """fx node name -> Flow, tuple of flows, or None (a non-tensor value)."""

    def add(self, name: str, source: Flow, layer: Layer) -> str:
        """Append a one-input node and return its name."""
        self.nodes.append(Node(name, (source.node or INPUT,), layer))
        return name

    def merge(self, call: Call, flows: Sequence[Flow], mode: Merge,
              shape: tuple[int, ...] | None = None) -> Flow:
        """A merge of traced tensors: add, multiply, concatenate, ...

        Constants drop out; tensors whose positions were pooled away (``reduced``) entering a
        local map are global context; a merge of a single local input is a relabelling.
        ``shape`` is the merged tensor's (default: the call's result).
        """
        shape = call.shape if shape is None else shape
        live = [f for f in flows if f.node is not None]
        local = [f for f in live if not f.reduced]
        dims = broadcast(live or flows, shape)
        if not local:
            if not live:
                return Flow(None, shape, dims)
            names = tuple(dict.fromkeys(str(f.node) for f in live))
            if len(names) == 1:
                return live[0].with_(shape=shape, dims=dims)
            self.nodes.append(Node(call.name, names, merge=mode))
            return Flow(call.name, shape, dims, reduced=True)
        sources = tuple(dict.fromkeys(f.node for f in local))
        first = local[0]
        flags = {"whole": any(f.whole for f in local), "extra": max(f.extra for f in local),
                 "grid": next((f.grid for f in local if f.grid), ()),
                 "mixed": next((f.mixed for f in local if f.mixed), "")}
        for flow in local[1:]:
            if any(flow.size(axis) != local[0].size(axis) for axis in range(self.axes)):
                raise call.unmapped(
                    f"merges feature maps of different spatial sizes {local[0].shape} and "
                    f"{flow.shape}"
                )
        context = len(local) < len(live)
        if not context:
            if len(sources) == 1:
                return first.with_(shape=shape, dims=dims, **flags)
            self.nodes.append(Node(call.name, sources, merge=mode))  # type: ignore[arg-type]  # sources: node names
            return Flow(call.name, shape, dims, **flags)  # type: ignore[arg-type]  # the flags by name
        call.name = call.owner_name()
        if not self.include:  # listed where the figures leave it out
            self.context.append(call.name)
        if len(sources) > 1:
            joined = f"{call.name}.local"
            self.nodes.append(Node(joined, sources, merge=mode))  # type: ignore[arg-type]  # sources: node names
            sources = (joined,)
        self.nodes.append(Node(call.name, sources, Context(include=self.include)))  # type: ignore[arg-type]  # sources: node names
        return Flow(call.name, shape, dims, **flags)  # type: ignore[arg-type]  # the flags by name


@dataclass
class Call:
    """One traced call being mapped: its name, arguments and result shape."""

    builder: Builder
    name: str
    node: Any
    """The ``torch.fx.Node``."""
    source: Flow | None
    """The first input-dependent tensor argument."""
    shape: tuple[int, ...]
    """The result's shape (the first result's, for calls returning several tensors)."""
    module: Any = None

    @property
    def axes(self) -> int:
        """The network's number of spatial axes."""
        return self.builder.axes

    def flow(self, value: Any) -> Any:
        """The Flow (or tuple of flows, or None) of an fx argument."""
        return self.builder.flows.get(value.name) if hasattr(value, "op") else None

    def arg(self, index: int, keyword: str, default: Any = None) -> Any:
        """An argument by position or keyword; sizes computed by the model are numbers.

        ``F.pad(x, (0, pad_w))`` with ``pad_w`` computed from ``x.shape`` gets its value
        from shape propagation (tensor arguments stay ``torch.fx`` nodes).
        """
        if index < len(self.node.args):
            return concrete(self.node.args[index])
        return concrete(self.node.kwargs.get(keyword, default))

    def spatial(self) -> dict[int, int]:
        """The source's spatial axes and their dimension positions."""
        return self.require().spatial()

    def require(self) -> Flow:
        """The source tensor, which must depend on the input."""
        if self.source is None or self.source.node is None:
            raise self.unmapped("has no input-dependent tensor argument")
        return self.source

    def per_axis(self, values: Any, what: str, trailing: int | None = None) -> Any:
        """A PyTorch per-dimension parameter (over the last dims) in symrf axis order.

        Scalars broadcast. The result is a scalar when every axis has the same value.
        """
        source = self.require()
        count = trailing if trailing is not None else len(source.spatial())
        items = list(values) if isinstance(values, list | tuple) else [values] * count
        if len(items) == 1 and count > 1:
            items = items * count
        if len(items) != count:
            raise self.unmapped(f"gives {what} {values!r} for {count} spatial dimensions")
        labels = source.dims[len(source.dims) - count:]
        if sorted(labels) != list(range(self.axes)):
            raise self.unmapped(
                f"works on dimensions {labels} of a tensor laid out as {_shown(source.dims)}, "
                f"not on its {self.axes} spatial axes in order{self.why_not_a_grid()}"
            )
        return self.squeeze([items[labels.index(axis)] for axis in range(self.axes)])

    def why_not_a_grid(self) -> str:
        """Why the source's positions are not laid out as a grid ("" if they are)."""
        source = self.require()
        if MIXED in source.dims:
            return (f" (positions were mixed with other dimensions by {source.mixed!r}; "
                    "symrf follows a flatten of every spatial axis, in order, into one "
                    "token dimension, and back)")
        if TOKENS in source.dims:
            return (" (its positions are a sequence of tokens: a window over the sequence "
                    "reads across rows of the image)")
        return ""

    def squeeze(self, values: Sequence[Any]) -> Any:
        """One value per axis, as a scalar when they agree and the input is square."""
        if len(set(values)) == 1 and (self.builder.isotropic or self.axes == 1):
            return values[0]
        return tuple(values)

    def sizes(self, flow: Flow | None = None, shape: Sequence[int] | None = None) -> list[int]:
        """Length along each spatial axis of ``flow`` (default: the source) or the result."""
        if shape is not None:
            dims = (flow or self.require()).dims
            return [shape[dims.index(a)] if a in dims else 1 for a in range(self.axes)]
        chosen = flow or self.require()
        return [chosen.size(axis) for axis in range(self.axes)]

    def emit(self, layer: Layer, dims: Dims | None = None, reduced: bool | None = None) -> Flow:
        """Add ``layer`` as this call's row; the result keeps the source's labels by default."""
        source = self.require()
        layer = _named(layer, self.name)
        reduced = source.reduced if reduced is None else reduced
        dims = dims if dims is not None else source.dims
        keeps = not reduced and (source.whole or any(d in (TOKENS, MIXED) for d in dims))
        result = source.with_(node=self.name, shape=self.shape, dims=dims, reduced=reduced,
                              grid=source.grid if keeps else (),
                              whole=source.whole and not reduced)
        self._check_lengths(layer, source, result)
        self.builder.add(self.name, source, layer)
        return result

    def _check_lengths(self, layer: Layer, source: Flow, result: Flow) -> None:
        """The layer must give the lengths PyTorch gave (a wrong mapping fails here)."""
        for axis, (before, after) in enumerate(zip(
                self.sizes(source), self.sizes(result), strict=True)):
            one = layer.axis(axis) if layer.axes() > 1 else layer
            try:
                length = one.geometry(before).sizes(before)
            except SymrfError as error:
                raise self.unmapped(f"maps to {layer!r}, which fails: {error}") from None
            if length != after:
                raise self.unmapped(
                    f"maps to {layer!r}, which gives length {length} on axis {axis} where "
                    f"PyTorch gives {after} (input length {before})"
                )

    def alias(self, dims: Dims | None = None, **changes: Any) -> Flow:
        """No row: the result carries the source's field (an elementwise or layout call)."""
        source = self.source
        if source is None:
            return Flow(None, self.shape, dims or ())
        if source.node is not None:
            self.builder.aliases[self.name] = source.node
        return source.with_(shape=self.shape, dims=dims if dims is not None else source.dims,
                            **changes)

    def mix(self, flows: Sequence[Flow], dims: Dims) -> Flow:
        """An operation that mixes every position (attention, a Linear over the tokens).

        Each entry of the result reads the whole map: a ``Context(include=True)`` row on
        the union of the inputs' fields, whatever ``global_context`` says (this is the
        network's main path, not a gate beside it). The map's grid is kept, so that later
        layers compose; an input that already reads the whole map needs no new row.
        """
        live = [f for f in flows if f.node is not None]
        grids = {tuple(f.size(axis) for axis in range(self.axes)) for f in live if not f.reduced}
        if len(grids) > 1:
            shown = " and ".join("x".join(map(str, grid)) for grid in sorted(grids))
            raise self.unmapped(f"mixes the positions of maps of different sizes ({shown}: "
                                "attention between grids), whose fields do not share a jump")
        if any(f.whole for f in live) or not live:  # the union already reads everything
            merged = self.builder.merge(self, flows, Merge.CONCAT)
            return merged.with_(shape=self.shape, dims=dims, whole=bool(live))
        name, self.name = self.name, f"{self.name}.inputs"
        merged = self.builder.merge(self, flows, Merge.CONCAT)
        self.name = name
        grid = merged.grid or tuple(merged.size(axis) for axis in range(self.axes))
        source = merged.with_(grid=grid)
        self.builder.add(name, source, Context(include=True, name=name))
        return source.with_(node=name, shape=self.shape, dims=dims, whole=True)

    def context(self) -> Flow:
        """A layer whose statistics span the whole map (GroupNorm): a context row.

        The row is named after the module whose output it is (``F.group_norm`` inside
        timm's ``GroupNorm``), as a gate's merge is.
        """
        self.name = self.owner_name()
        if not self.builder.include:
            self.builder.context.append(self.name)
        return self.emit(Context(include=self.builder.include))

    def owner_name(self) -> str:
        """The qualified name of the module whose output this call is (else the fx name).

        A squeeze-and-excitation gate's multiply is then listed as the SE module.
        """
        owner = _owner(self.node)
        users = list(self.node.users)
        inside = [u for u in users if _owner(u) == owner]
        taken = {node.name for node in self.builder.nodes}
        if owner and not inside and owner not in taken:
            self.builder.aliases[self.name] = owner
            return owner
        return self.name

    def unmapped(self, problem: str) -> UnmappedError:
        """The one-line error for a call symrf cannot map, with the ways out."""
        return UnmappedError(unmapped_message(self.node, self.module, problem))


VALUE = "symrf_value"
"""Key of ``node.meta`` holding a non-tensor result (an int computed from a shape)."""


def concrete(value: Any) -> Any:
    """``value`` with fx nodes of recorded numbers replaced by the numbers (recursively)."""
    if hasattr(value, "op"):
        return value.meta.get(VALUE, value)
    if isinstance(value, slice):
        return slice(concrete(value.start), concrete(value.stop), concrete(value.step))
    if isinstance(value, list | tuple):
        return type(value)(concrete(item) for item in value)
    return value


def unmapped_message(node: Any, module: Any, problem: str) -> str:
    """Say which call, where in the source, what is wrong and how to get past it."""
    what = (f"module {node.target!r} ({type(module).__name__})" if module is not None
            else f"call {node.name!r} ({_target(node)})")
    line = _source_line(node)
    where = f" at {line}" if line else ""
    if module is not None:
        return f"{what}{where} {problem}; {way_out(type(module).__name__)}"
    owner, kind = _owner_module(node)
    return f"{what}{where} {problem}; {way_out(kind or 'YourModule', owner)}"


def way_out(kind: str, leaf: str = "") -> str:
    """The fix for a module symrf cannot map: register its class (three lines of code).

    >>> way_out("Blur", "encoder.blur")  # doctest: +ELLIPSIS
    "keep module 'encoder.blur' whole (leaf_modules=['encoder.blur']) and map its class: ...
    """
    keep = f"keep module {leaf!r} whole (leaf_modules=[{leaf!r}]) and map its class" if leaf \
        else ("mark the module that contains it a leaf (leaf_modules=[...]) and map its "
              "class" if kind == "YourModule" else "map its class (it is then kept whole)")
    return (
        f"{keep}: @symrf.sources.importers.torch.register({kind}) / def _(module, call): / "
        "return symrf.Conv(kernel=..., stride=..., padding=...)  # or None where it keeps "
        "every position"
    )


def _target(node: Any) -> str:
    target = node.target
    return f"{node.op} {getattr(target, '__name__', target)}"


def _source_line(node: Any) -> str:
    """``file, line N (code)`` of the innermost frame outside torch, from the fx trace."""
    lines = (node.meta.get("stack_trace") or "").splitlines()
    found = ""
    for index, line in enumerate(lines):
        text = line.strip()
        if text.startswith("File ") and "/torch/" not in text:
            where = text[5:].replace('"', "").split(", in ")[0]
            code = lines[index + 1].strip() if index + 1 < len(lines) else ""
            found = f"{where} ({code})" if code else where
    return found


def _owner(node: Any) -> str:
    return _owner_module(node)[0]


def _owner_module(node: Any) -> tuple[str, str]:
    """The qualified name and class name of the innermost module running ``node``."""
    stack = node.meta.get("nn_module_stack") or {}
    items = [(path, kind) for path, kind in stack.values()] if stack else []
    if not items or not items[-1][0]:
        return "", ""
    path, kind = items[-1]
    return path, getattr(kind, "__name__", str(kind).rpartition(".")[2].strip("'>"))


def _shown(dims: Dims) -> str:
    names = {-2: "batch", -1: "feature", TOKENS: "tokens", MIXED: "mixed"}
    return "(" + ", ".join(names.get(d, f"space{d}") for d in dims) + ")"


def _named(layer: Layer, name: str) -> Layer:
    import dataclasses

    return layer if layer.name == name else dataclasses.replace(layer, name=name)


def as_network(builder: Builder, output: str, name: str | None) -> Layer:
    """The graph, or a ``Sequential`` when it is one chain without context."""
    nodes = _feeding(builder.nodes, output)
    if not nodes:
        raise NetworkError(
            "the traced model has no layer that touches the input's positions; there is "
            "nothing to analyse."
        )
    chain = not builder.context and all(
        node.layer is not None and node.inputs == ((nodes[i - 1].name if i else INPUT),)
        for i, node in enumerate(nodes)
    )
    if chain and output == nodes[-1].name:
        return Sequential(*(node.layer for node in nodes if node.layer is not None), name=name)
    kept = {node.name for node in nodes}
    context = tuple(name for name in builder.context if name in kept)
    return Graph(nodes, output, name, context=context)


def _feeding(nodes: list[Node], output: str) -> list[Node]:
    """The nodes ``output`` depends on, in order (a gate's pooled branch drops out)."""
    by_name = {node.name: node for node in nodes}
    needed, pending = {output}, [output]
    while pending:
        for source in by_name[pending.pop()].inputs:
            if source != INPUT and source not in needed:
                needed.add(source)
                pending.append(source)
    return [node for node in nodes if node.name in needed]


Handler = Callable[[Call], Any]
"""Maps one traced call to its result: a Flow, a tuple of flows, or None (not a tensor)."""


def pointwise(call: Call) -> Flow:
    """An elementwise call: a row for a module (its ``Identity``), an alias for a function."""
    if call.module is not None and call.source is not None and call.source.node is not None:
        return call.emit(Identity())
    return call.alias()
