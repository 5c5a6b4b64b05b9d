"""Raster sources: GeoTIFF / ESRI ASCII (rasterio) and NetCDF variables (xarray), as a north-up grid."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS

from marc.core.errors import MarcError


@dataclass(frozen=True)
class Grid:
    """A north-up grid in EPSG:4326: ``values[0]`` is the northernmost row; NaN is no data."""

    values: np.ndarray
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    source: str

    @property
    def cellsize(self) -> tuple[float, float]:
        ny, nx = self.values.shape
        return (self.xmax - self.xmin) / nx, (self.ymax - self.ymin) / ny

    def exactextract_source(self):
        from exactextract.raster import NumPyRasterSource

        vals = np.where(np.isnan(self.values), -3.0e38, self.values)
        return NumPyRasterSource(vals, self.xmin, self.ymin, self.xmax, self.ymax, nodata=-3.0e38,
                                 srs_wkt=CRS.from_epsg(4326).to_wkt())

    def nearest_valid(self, lon: float, lat: float, max_cells: int = 1) -> float:
        """Value of the valid cell nearest to (lon, lat) within *max_cells* cells; NaN if none."""
        dx, dy = self.cellsize
        ny, nx = self.values.shape
        col = int(np.clip(np.floor((lon - self.xmin) / dx), 0, nx - 1))
        row = int(np.clip(np.floor((self.ymax - lat) / dy), 0, ny - 1))
        best, best_d = np.nan, np.inf
        for r in range(max(row - max_cells, 0), min(row + max_cells, ny - 1) + 1):
            for c in range(col - max_cells, col + max_cells + 1):
                cc = c % nx  # the grid wraps around the globe in longitude
                v = self.values[r, cc]
                if np.isnan(v):
                    continue
                cx, cy = self.xmin + (c + 0.5) * dx, self.ymax - (r + 0.5) * dy
                d = (cx - lon) ** 2 + (cy - lat) ** 2
                if d < best_d:
                    best, best_d = float(v), d
        return best


def _check_crs(crs: CRS | None, declared: str | None, where: str) -> CRS:
    """The raster's CRS (its own, else the declared one); an error when neither is known."""
    if crs is None and declared is None:
        raise MarcError.single(where, "undefined-crs",
                               "the raster has no CRS; declare one on the source (crs: EPSG:4326) if you know it")
    return CRS.from_user_input(declared) if crs is None else crs


def _warp_to_geographic(arr: np.ndarray, ds, src_crs: CRS, resampling: str, where: str):
    """Reproject a band to EPSG:4326 with rasterio.warp (``resampling``: nearest, bilinear or average).

    Warping resamples values; it does not conserve totals, so a count grid (population) should be
    supplied in geographic coordinates, or with ``resampling: average`` and read as a density."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    try:
        transform, width, height = calculate_default_transform(src_crs.to_wkt(), "EPSG:4326", ds.width, ds.height,
                                                               *ds.bounds)
        out = np.full((height, width), np.nan)
        reproject(source=arr, destination=out, src_transform=ds.transform, src_crs=src_crs.to_wkt(),
                  dst_transform=transform, dst_crs="EPSG:4326", resampling=Resampling[resampling],
                  src_nodata=np.nan, dst_nodata=np.nan)
    except Exception as exc:
        raise MarcError.single(where, "raster-crs", f"cannot reproject from {src_crs.to_string()} to EPSG:4326: "
                                                    f"{str(exc).splitlines()[0]}") from None
    return out, transform, width, height


def read_raster(path: Path, *, variable: str | None = None, band: int = 1, crs: str | None = None,
                resampling: str = "nearest") -> Grid:
    """Read one band of a raster file (or one slice of a NetCDF variable) as a north-up :class:`Grid`
    in EPSG:4326; a raster in another CRS is reprojected first (see :func:`_warp_to_geographic`)."""
    where = str(path)
    if not path.exists():
        raise MarcError.single(where, "missing-file", "raster not found; run `marc pull` for its source")
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        return _read_netcdf(path, variable, band, crs)
    import rasterio

    try:
        with rasterio.open(path) as ds:
            src_crs = _check_crs(CRS.from_wkt(ds.crs.to_wkt()) if ds.crs else None, crs, where)
            arr = ds.read(band, masked=True).astype("float64").filled(np.nan)
            t, width, height = ds.transform, ds.width, ds.height
            if not src_crs.equals(CRS.from_epsg(4326)):
                arr, t, width, height = _warp_to_geographic(arr, ds, src_crs, resampling, where)
            if t.b != 0 or t.d != 0:
                raise MarcError.single(where, "rotated-raster", "rotated rasters are not supported; warp it first")
            xmin, ymax = t.c, t.f
            xmax, ymin = xmin + t.a * width, ymax + t.e * height
    except MarcError:
        raise
    except Exception as exc:
        raise MarcError.single(where, "unreadable-raster", f"cannot read raster: {str(exc).splitlines()[0]}") from None
    if ymin > ymax:  # south-up
        arr, ymin, ymax = arr[::-1], ymax, ymin
    return Grid(arr, xmin, ymin, xmax, ymax, where)


def _read_netcdf(path: Path, variable: str | None, band: int, crs: str | None) -> Grid:
    import xarray as xr

    where = str(path)
    if not variable:
        raise MarcError.single(where, "missing-variable", "NetCDF rasters need `variable:` (the variable to read)")
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        if variable not in ds:
            raise MarcError.single(where, "unknown-variable", f"{variable!r} not in file; has {sorted(ds.data_vars)[:20]}")
        da = ds[variable]
        if da.ndim == 3:
            da = da.isel({da.dims[0]: band - 1})
        lat = next((d for d in da.dims if d.lower() in ("lat", "latitude", "y")), None)
        lon = next((d for d in da.dims if d.lower() in ("lon", "longitude", "x")), None)
        if da.ndim != 2 or lat is None or lon is None:
            raise MarcError.single(where, "netcdf-shape", f"{variable} must be (lat, lon) or (t, lat, lon); got {da.dims}")
        if not _check_crs(None, crs or "EPSG:4326", where).equals(CRS.from_epsg(4326)):  # CF lat/lon grids are geographic
            raise MarcError.single(where, "raster-crs", "NetCDF variables are read on their lat/lon grid (EPSG:4326)")
        da = da.transpose(lat, lon).sortby(lat, ascending=False).sortby(lon)
        y, x = da[lat].values.astype(float), da[lon].values.astype(float)
        arr = da.values.astype("float64")
    dx, dy = float(np.diff(x).mean()), float(-np.diff(y).mean())
    return Grid(arr, x[0] - dx / 2, y[-1] - dy / 2, x[-1] + dx / 2, y[0] + dy / 2, where)
