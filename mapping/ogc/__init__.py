"""OGC API – Features (Core, CRS, Filtering with CQL2, Create/Replace/Update/Delete) at /ogc/: the GIS face."""
