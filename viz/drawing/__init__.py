"""Drawing a graph: a box per Value, per neuron or per layer, through Graphviz.

``graph`` builds the Graphviz graph (``viz.draw_dot``) and ``output`` renders it (SVG, PNG,
PDF); ``structure`` finds what the picture groups (the model's neurons and layers, from
``engine.network``), ``names`` what each node is called, ``levels`` and ``picture`` how a
box reads; ``numbers``, ``text``, ``style`` and ``options`` are their shared details.
"""
