#!/usr/bin/env python3
"""Make many small zones for the per-zone cost benchmark.

  make_voronoi.py TOWNSHIPS.gpkg OUT.gpkg [--cells 200000] [--seed 13]

Draws N seed points uniformly inside Myanmar (the union of the township layer
made by ../shared/bench/make-zones.py), makes their Voronoi cells and clips
them to the country. Writes layer `cells` with an integer field `cell_id`
(1..N in seed order; cells that fall outside the country are dropped), EPSG:4326.
Only cells crossing the border are clipped: the interior ones are kept as made,
which keeps the script to about a minute.
"""
import argparse
import warnings

import geopandas as gpd
import numpy as np
import shapely

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("townships")
    ap.add_argument("out")
    ap.add_argument("--cells", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    country = shapely.union_all(shapely.make_valid(gpd.read_file(a.townships).geometry.values))
    shapely.prepare(country)
    minx, miny, maxx, maxy = country.bounds
    seeds = np.empty((0, 2))
    while len(seeds) < a.cells:
        xy = np.column_stack([rng.uniform(minx, maxx, a.cells), rng.uniform(miny, maxy, a.cells)])
        inside = shapely.contains_xy(country, xy[:, 0], xy[:, 1])
        seeds = np.vstack([seeds, xy[inside]])
    seeds = seeds[: a.cells]
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=shapely.box(minx - 1, miny - 1, maxx + 1, maxy + 1)))
    # voronoi_polygons returns cells in no particular order: match each to its seed.
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(shapely.points(seeds), predicate="within")
    order = np.full(len(seeds), -1)
    order[seed_idx] = cell_idx
    cells = cells[order]
    interior = shapely.contains_properly(country, cells)
    border = ~interior
    clipped = shapely.intersection(cells[border], country)
    cells[border] = shapely.make_valid(clipped)
    keep = ~shapely.is_empty(cells) & (shapely.area(cells) > 0)
    ids = np.arange(1, len(seeds) + 1)[keep]
    geoms = cells[keep]
    # Keep polygonal parts only (clipping can leave lines on the border).
    geoms = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                      shapely.multipolygons([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                      for g in geoms], dtype=object)
    gdf = gpd.GeoDataFrame({"cell_id": ids}, geometry=geoms, crs="EPSG:4326")
    gdf.to_file(a.out, layer="cells", driver="GPKG")
    print(f"cells {len(gdf)} (interior {int(interior.sum())}) -> {a.out}")


if __name__ == "__main__":
    main()
