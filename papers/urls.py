from django.urls import path

from papers import views, views_add

app_name = "papers"

urlpatterns = [
    # Adding a paper: look it up by arXiv id or DOI, paste BibTeX, or type it in.
    path("papers/add/", views_add.add, name="add"),
    path("papers/add/confirm/", views_add.confirm, name="confirm"),
    path("papers/add/manual/", views_add.manual, name="manual"),
    path("paper/<str:slug>/bibtex.bib", views.paper_bibtex, name="bibtex"),
    # Stable look-ups by identifier; old-style arXiv ids contain a slash (hep-th/9901001), DOIs anything.
    path("arxiv/<path:arxiv_id>/", views.arxiv_lookup, name="arxiv"),
    path("doi/<path:doi>/", views.doi_lookup, name="doi"),
    path("venues/", views.venue_list, name="venues"),
    path("venues/<slug:slug>/", views.venue_detail, name="venue"),
    path("venues/<slug:slug>/<int:year>/", views.venue_year, name="venue_year"),
    path("years/<int:year>/", views.year_detail, name="year"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    # Keyword slugs are Unicode (papers.keywords): 大模型, großes-modell.
    path("keywords/<keyword:slug>/", views.keyword_detail, name="keyword"),
    # arXiv categories, at arXiv's own paths (/list/cs.LG/new).
    path("list/", views.category_list, name="categories"),
    path("list/<category:code>/", views.category_detail, name="category"),
    path("list/<category:code>/new/", views.category_new, name="category_new"),
]
