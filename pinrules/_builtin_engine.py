"""The built-in rules' engine, as `_compiler` generates it: shipped in the package so that
it is byte-compiled when pinrules is installed, instead of compiled by every run (3 ms).

Generated, do not edit: tests/test_compiler.py checks that it is current (regenerate with
UPDATE_SNAPSHOTS=1 python -m pytest tests/test_compiler.py -k shipped). A stale copy is never
run: `_compiler` uses the code of `run` only when SOURCE is exactly the source the rules give,
and runs it with that rule set's constants.
"""

SOURCE = "def run(post, account):\n    out = []\n    add = out.append\n    if isinstance(post, dict):\n        v1 = post.get('options', _M)\n        v9 = post.get('media', _M)\n        v29 = post.get('firstComment', _M)\n        v80 = post.get('text', _M)\n        v81 = post.get('title', _M)\n        v87 = post.get('scheduledAt', _M)\n    else:\n        v1 = v9 = v29 = v80 = v81 = v87 = _M\n    if isinstance(v1, dict):\n        v2 = v1.get('pinterest', _M)\n    else:\n        v2 = _M\n    if isinstance(v2, dict):\n        v3 = v2.get('boardId', _M)\n        v12 = v2.get('altText', _M)\n        v13 = v2.get('boardSectionId', _M)\n        v14 = v2.get('coverImageUrl', _M)\n        v15 = v2.get('destinationUrl', _M)\n        v16 = v2.get('carousel', _M)\n        v17 = v2.get('ideaPin', _M)\n        v18 = v2.get('productTags', _M)\n    else:\n        v3 = v12 = v13 = v14 = v15 = v16 = v17 = v18 = _M\n    if isinstance(account, dict):\n        v4 = account.get('defaultBoardId', _M)\n    else:\n        v4 = _M\n    # rule 'pinterest.board.required'\n    if (post is _M or isinstance(post, dict)):\n        if not (((v3 is not _M) or (v4 is not _M))):\n            v5 = post.get('options', _M) if isinstance(post, dict) else _M\n            v6 = v5.get('pinterest', _M) if isinstance(v5, dict) else _M\n            v7 = v6.get('boardId', _M) if isinstance(v6, dict) else _M\n            v8 = post if v7 is _M else v7\n            add((2, 0, () + _located(post, ('options', 'pinterest', 'boardId')), v8, 'boardId'))\n    # rule 'pinterest.media.required'\n    if (post is _M or isinstance(post, dict)):\n        if not (((v9 is not _M) and (not isinstance(v9, (str, list)) or len(v9) >= 1))):\n            v10 = post.get('media', _M) if isinstance(post, dict) else _M\n            v11 = post if v10 is _M else v10\n            add((12, 0, () + _located(post, ('media',)), v11, 'media'))\n    # rule 'post.not_object'\n    if not ((post is _M or isinstance(post, dict))):\n        add((32, 0, (), post, None))\n    if v1 is not _M:\n        if v2 is not _M:\n            if v12 is not _M:\n                # rule 'pinterest.alt_text.max_length'\n                if not ((not isinstance(v12, (str, list)) or len(v12) <= 500)):\n                    add((0, 0, ('options', 'pinterest', 'altText', ), v12, 'altText'))\n            if v3 is not _M:\n                # rule 'pinterest.board.id_digits'\n                if not ((not isinstance(v3, str) or _c10(v3))):\n                    add((1, 0, ('options', 'pinterest', 'boardId', ), v3, 'boardId'))\n            if v13 is not _M:\n                # rule 'pinterest.board_section.id_digits'\n                if not ((not isinstance(v13, str) or _c11(v13))):\n                    add((3, 0, ('options', 'pinterest', 'boardSectionId', ), v13, 'boardSectionId'))\n            if v14 is not _M:\n                # rule 'pinterest.cover_image_url.http'\n                if not ((not isinstance(v14, str) or _c12(v14))):\n                    add((4, 0, ('options', 'pinterest', 'coverImageUrl', ), v14, 'coverImageUrl'))\n            if v15 is not _M:\n                # rule 'pinterest.destination_url.http'\n                if not ((not isinstance(v15, str) or _c13(v15))):\n                    add((5, 0, ('options', 'pinterest', 'destinationUrl', ), v15, 'destinationUrl'))\n                # rule 'pinterest.destination_url.max_length'\n                if not ((not isinstance(v15, (str, list)) or len(v15) <= 2048)):\n                    add((6, 0, ('options', 'pinterest', 'destinationUrl', ), v15, 'destinationUrl'))\n            if v16 is not _M:\n                # rule 'pinterest.feature.unsupported'\n                if not ((v16 is _M)):\n                    add((7, 1, ('options', 'pinterest', 'carousel', ), v16, 'carousel'))\n            if v17 is not _M:\n                # rule 'pinterest.feature.unsupported'\n                if not ((v17 is _M)):\n                    add((7, 2, ('options', 'pinterest', 'ideaPin', ), v17, 'ideaPin'))\n            if v18 is not _M:\n                # rule 'pinterest.feature.unsupported'\n                if not ((v18 is _M)):\n                    add((7, 3, ('options', 'pinterest', 'productTags', ), v18, 'productTags'))\n            if isinstance(v2, dict):\n                for v19, v20 in v2.items():\n                    # rule 'pinterest.options.unknown_field'\n                    if not ((v19 in _c14)):\n                        add((14, 0, ('options', 'pinterest', v19, ), v20, v19))\n                    # rule 'post.field.type'\n                    if not (((v21 := _c15.get(v19)) is None or type(v20) in v21 or _has_any_type(v20, _c16[v19]))):\n                        add((21, 2, ('options', 'pinterest', v19, ), v20, v19))\n        if isinstance(v1, dict):\n            for v24, v25 in v1.items():\n                # rule 'post.field.type'\n                if not (((v26 := _c17.get(v24)) is None or type(v25) in v26 or _has_any_type(v25, _c18[v24]))):\n                    add((21, 1, ('options', v24, ), v25, v24))\n                # rule 'post.options.unknown_field'\n                if not ((v24 in _c19)):\n                    add((33, 0, ('options', v24, ), v25, v24))\n    if v29 is not _M:\n        # rule 'pinterest.feature.unsupported'\n        if not ((v29 is _M)):\n            add((7, 0, ('firstComment', ), v29, 'firstComment'))\n    if v9 is not _M:\n        # rule 'pinterest.media.single_only'\n        if (v9 is _M or isinstance(v9, list)):\n            if not ((not isinstance(v9, (str, list)) or len(v9) <= 1)):\n                v30 = _step(v9, '1')\n                v31 = v9 if v30 is _M else v30\n                add((13, 0, ('media', ) + _located(v9, ('1',)), v31, '1'))\n        if isinstance(v9, dict):\n            for v32, v33 in v9.items():\n                if isinstance(v33, dict):\n                    v34 = v33.get('kind', _M)\n                    v35 = v33.get('mediaId', _M)\n                    v36 = v33.get('mimeType', _M)\n                    v37 = v33.get('path', _M)\n                    v38 = v33.get('sizeBytes', _M)\n                    v39 = v33.get('url', _M)\n                else:\n                    v34 = v35 = v36 = v37 = v38 = v39 = _M\n                # rule 'pinterest.image.media_id_unsupported'\n                if (v34 == _c20):\n                    if not (((v35 is _M) or (not isinstance(v35, str) or _c21(v35)))):\n                        v40 = v33 if v35 is _M else v35\n                        add((8, 0, ('media', v32, ) + _located(v33, ('mediaId',)), v40, 'mediaId'))\n                # rule 'pinterest.image.mime_allowed'\n                if (v34 == _c22):\n                    if not (((v36 is _M) or (isinstance(v36, str) and (v36 in _c23 or _media_type(v36) in _c23)))):\n                        v41 = v33 if v36 is _M else v36\n                        add((9, 0, ('media', v32, ) + _located(v33, ('mimeType',)), v41, 'mimeType'))\n                # rule 'pinterest.image.size_max'\n                if (v34 == _c24):\n                    if not ((not _is_number(v38) or v38 <= _c25)):\n                        v42 = v33 if v38 is _M else v38\n                        add((10, 0, ('media', v32, ) + _located(v33, ('sizeBytes',)), v42, 'sizeBytes'))\n                # rule 'pinterest.link.max_length'\n                if ((v34 == _c26) and (v15 is _M)):\n                    if not ((not isinstance(v39, (str, list)) or len(v39) <= 2048)):\n                        v43 = v33 if v39 is _M else v39\n                        add((11, 0, ('media', v32, ) + _located(v33, ('url',)), v43, 'url'))\n                # rule 'pinterest.video.cover_required'\n                if (v34 == _c27):\n                    if not ((v14 is not _M)):\n                        v44 = v33 if v14 is _M else v14\n                        add((17, 0, _located(post, ('options', 'pinterest', 'coverImageUrl')), v44, 'coverImageUrl'))\n                # rule 'pinterest.video.media_id_digits'\n                if (v34 == _c28):\n                    if not (((not isinstance(v35, str) or _c29(v35)) or (not isinstance(v35, str) or _c30(v35)))):\n                        v45 = v33 if v35 is _M else v35\n                        add((18, 0, ('media', v32, ) + _located(v33, ('mediaId',)), v45, 'mediaId'))\n                # rule 'pinterest.video.mime_allowed'\n                if (v34 == _c31):\n                    if not (((v36 is _M) or (isinstance(v36, str) and (v36 in _c32 or _media_type(v36) in _c32)))):\n                        v46 = v33 if v36 is _M else v36\n                        add((19, 0, ('media', v32, ) + _located(v33, ('mimeType',)), v46, 'mimeType'))\n                # rule 'pinterest.video.size_max'\n                if (v34 == _c33):\n                    if not ((not _is_number(v38) or v38 <= _c34)):\n                        v47 = v33 if v38 is _M else v38\n                        add((20, 0, ('media', v32, ) + _located(v33, ('sizeBytes',)), v47, 'sizeBytes'))\n                # rule 'post.media.kind'\n                if (v33 is _M or isinstance(v33, dict)):\n                    if not ((isinstance(v34, str) and v34 in _c35)):\n                        v48 = v33 if v34 is _M else v34\n                        add((24, 0, ('media', v32, ) + _located(v33, ('kind',)), v48, 'kind'))\n                # rule 'post.media.not_object'\n                if not ((v33 is _M or isinstance(v33, dict))):\n                    add((25, 0, ('media', v32, ), v33, v32))\n                # rule 'post.media.single_source'\n                if (v33 is _M or isinstance(v33, dict)):\n                    if not ((((v39 is not _M) and (v37 is _M) and (v35 is _M)) or ((v39 is _M) and (v37 is not _M) and (v35 is _M)) or ((v39 is _M) and (v37 is _M) and (v35 is not _M)))):\n                        add((27, 0, ('media', v32, ), v33, v32))\n                if isinstance(v33, dict):\n                    for v49, v50 in v33.items():\n                        # rule 'post.field.type'\n                        if not (((v51 := _c36.get(v49)) is None or type(v50) in v51 or _has_any_type(v50, _c37[v49]))):\n                            add((21, 3, ('media', v32, v49, ), v50, v49))\n                        # rule 'post.media.unknown_field'\n                        if not ((v49 in _c38)):\n                            add((29, 0, ('media', v32, v49, ), v50, v49))\n                v54 = v33.get('sizeBytes', _M) if isinstance(v33, dict) else _M\n                if v54 is not _M:\n                    # rule 'post.media.size_bytes'\n                    if not ((not _is_number(v54) or v54 >= _c39)):\n                        add((28, 0, ('media', v32, 'sizeBytes', ), v54, 'sizeBytes'))\n                v55 = v33.get('url', _M) if isinstance(v33, dict) else _M\n                if v55 is not _M:\n                    # rule 'post.media.url_http'\n                    if not ((not isinstance(v55, str) or _c40(v55))):\n                        add((30, 0, ('media', v32, 'url', ), v55, 'url'))\n        elif isinstance(v9, list):\n            for v56, v57 in enumerate(v9):\n                if isinstance(v57, dict):\n                    v58 = v57.get('kind', _M)\n                    v59 = v57.get('mediaId', _M)\n                    v60 = v57.get('mimeType', _M)\n                    v61 = v57.get('path', _M)\n                    v62 = v57.get('sizeBytes', _M)\n                    v63 = v57.get('url', _M)\n                else:\n                    v58 = v59 = v60 = v61 = v62 = v63 = _M\n                # rule 'pinterest.image.media_id_unsupported'\n                if (v58 == _c41):\n                    if not (((v59 is _M) or (not isinstance(v59, str) or _c42(v59)))):\n                        v64 = v57 if v59 is _M else v59\n                        add((8, 0, ('media', v56, ) + _located(v57, ('mediaId',)), v64, 'mediaId'))\n                # rule 'pinterest.image.mime_allowed'\n                if (v58 == _c43):\n                    if not (((v60 is _M) or (isinstance(v60, str) and (v60 in _c44 or _media_type(v60) in _c44)))):\n                        v65 = v57 if v60 is _M else v60\n                        add((9, 0, ('media', v56, ) + _located(v57, ('mimeType',)), v65, 'mimeType'))\n                # rule 'pinterest.image.size_max'\n                if (v58 == _c45):\n                    if not ((not _is_number(v62) or v62 <= _c46)):\n                        v66 = v57 if v62 is _M else v62\n                        add((10, 0, ('media', v56, ) + _located(v57, ('sizeBytes',)), v66, 'sizeBytes'))\n                # rule 'pinterest.link.max_length'\n                if ((v58 == _c47) and (v15 is _M)):\n                    if not ((not isinstance(v63, (str, list)) or len(v63) <= 2048)):\n                        v67 = v57 if v63 is _M else v63\n                        add((11, 0, ('media', v56, ) + _located(v57, ('url',)), v67, 'url'))\n                # rule 'pinterest.video.cover_required'\n                if (v58 == _c48):\n                    if not ((v14 is not _M)):\n                        v68 = v57 if v14 is _M else v14\n                        add((17, 0, _located(post, ('options', 'pinterest', 'coverImageUrl')), v68, 'coverImageUrl'))\n                # rule 'pinterest.video.media_id_digits'\n                if (v58 == _c49):\n                    if not (((not isinstance(v59, str) or _c50(v59)) or (not isinstance(v59, str) or _c51(v59)))):\n                        v69 = v57 if v59 is _M else v59\n                        add((18, 0, ('media', v56, ) + _located(v57, ('mediaId',)), v69, 'mediaId'))\n                # rule 'pinterest.video.mime_allowed'\n                if (v58 == _c52):\n                    if not (((v60 is _M) or (isinstance(v60, str) and (v60 in _c53 or _media_type(v60) in _c53)))):\n                        v70 = v57 if v60 is _M else v60\n                        add((19, 0, ('media', v56, ) + _located(v57, ('mimeType',)), v70, 'mimeType'))\n                # rule 'pinterest.video.size_max'\n                if (v58 == _c54):\n                    if not ((not _is_number(v62) or v62 <= _c55)):\n                        v71 = v57 if v62 is _M else v62\n                        add((20, 0, ('media', v56, ) + _located(v57, ('sizeBytes',)), v71, 'sizeBytes'))\n                # rule 'post.media.kind'\n                if (v57 is _M or isinstance(v57, dict)):\n                    if not ((isinstance(v58, str) and v58 in _c56)):\n                        v72 = v57 if v58 is _M else v58\n                        add((24, 0, ('media', v56, ) + _located(v57, ('kind',)), v72, 'kind'))\n                # rule 'post.media.not_object'\n                if not ((v57 is _M or isinstance(v57, dict))):\n                    add((25, 0, ('media', v56, ), v57, v56))\n                # rule 'post.media.single_source'\n                if (v57 is _M or isinstance(v57, dict)):\n                    if not ((((v63 is not _M) and (v61 is _M) and (v59 is _M)) or ((v63 is _M) and (v61 is not _M) and (v59 is _M)) or ((v63 is _M) and (v61 is _M) and (v59 is not _M)))):\n                        add((27, 0, ('media', v56, ), v57, v56))\n                if isinstance(v57, dict):\n                    for v73, v74 in v57.items():\n                        # rule 'post.field.type'\n                        if not (((v75 := _c57.get(v73)) is None or type(v74) in v75 or _has_any_type(v74, _c58[v73]))):\n                            add((21, 3, ('media', v56, v73, ), v74, v73))\n                        # rule 'post.media.unknown_field'\n                        if not ((v73 in _c59)):\n                            add((29, 0, ('media', v56, v73, ), v74, v73))\n                v78 = v57.get('sizeBytes', _M) if isinstance(v57, dict) else _M\n                if v78 is not _M:\n                    # rule 'post.media.size_bytes'\n                    if not ((not _is_number(v78) or v78 >= _c60)):\n                        add((28, 0, ('media', v56, 'sizeBytes', ), v78, 'sizeBytes'))\n                v79 = v57.get('url', _M) if isinstance(v57, dict) else _M\n                if v79 is not _M:\n                    # rule 'post.media.url_http'\n                    if not ((not isinstance(v79, str) or _c61(v79))):\n                        add((30, 0, ('media', v56, 'url', ), v79, 'url'))\n    if v80 is not _M:\n        # rule 'pinterest.text.max_length'\n        if not ((not isinstance(v80, (str, list)) or len(v80) <= 800)):\n            add((15, 0, ('text', ), v80, 'text'))\n    if v81 is not _M:\n        # rule 'pinterest.title.max_length'\n        if not ((not isinstance(v81, (str, list)) or len(v81) <= 100)):\n            add((16, 0, ('title', ), v81, 'title'))\n    if isinstance(post, dict):\n        for v82, v83 in post.items():\n            # rule 'post.field.type'\n            if not (((v84 := _c62.get(v82)) is None or type(v83) in v84 or _has_any_type(v83, _c63[v82]))):\n                add((21, 0, (v82, ), v83, v82))\n            # rule 'post.unknown_field'\n            if not ((v82 in _c64)):\n                add((38, 0, (v82, ), v83, v82))\n    if v87 is not _M:\n        # rule 'post.scheduled_at.rfc3339'\n        if not ((not isinstance(v87, str) or _c65(v87))):\n            add((36, 0, ('scheduledAt', ), v87, 'scheduledAt'))\n    if out:\n        out.sort(key=_by_rule)\n    return out"


def run(post, account):
    out = []
    add = out.append
    if isinstance(post, dict):
        v1 = post.get('options', _M)
        v9 = post.get('media', _M)
        v29 = post.get('firstComment', _M)
        v80 = post.get('text', _M)
        v81 = post.get('title', _M)
        v87 = post.get('scheduledAt', _M)
    else:
        v1 = v9 = v29 = v80 = v81 = v87 = _M
    if isinstance(v1, dict):
        v2 = v1.get('pinterest', _M)
    else:
        v2 = _M
    if isinstance(v2, dict):
        v3 = v2.get('boardId', _M)
        v12 = v2.get('altText', _M)
        v13 = v2.get('boardSectionId', _M)
        v14 = v2.get('coverImageUrl', _M)
        v15 = v2.get('destinationUrl', _M)
        v16 = v2.get('carousel', _M)
        v17 = v2.get('ideaPin', _M)
        v18 = v2.get('productTags', _M)
    else:
        v3 = v12 = v13 = v14 = v15 = v16 = v17 = v18 = _M
    if isinstance(account, dict):
        v4 = account.get('defaultBoardId', _M)
    else:
        v4 = _M
    # rule 'pinterest.board.required'
    if (post is _M or isinstance(post, dict)):
        if not (((v3 is not _M) or (v4 is not _M))):
            v5 = post.get('options', _M) if isinstance(post, dict) else _M
            v6 = v5.get('pinterest', _M) if isinstance(v5, dict) else _M
            v7 = v6.get('boardId', _M) if isinstance(v6, dict) else _M
            v8 = post if v7 is _M else v7
            add((2, 0, () + _located(post, ('options', 'pinterest', 'boardId')), v8, 'boardId'))
    # rule 'pinterest.media.required'
    if (post is _M or isinstance(post, dict)):
        if not (((v9 is not _M) and (not isinstance(v9, (str, list)) or len(v9) >= 1))):
            v10 = post.get('media', _M) if isinstance(post, dict) else _M
            v11 = post if v10 is _M else v10
            add((12, 0, () + _located(post, ('media',)), v11, 'media'))
    # rule 'post.not_object'
    if not ((post is _M or isinstance(post, dict))):
        add((32, 0, (), post, None))
    if v1 is not _M:
        if v2 is not _M:
            if v12 is not _M:
                # rule 'pinterest.alt_text.max_length'
                if not ((not isinstance(v12, (str, list)) or len(v12) <= 500)):
                    add((0, 0, ('options', 'pinterest', 'altText', ), v12, 'altText'))
            if v3 is not _M:
                # rule 'pinterest.board.id_digits'
                if not ((not isinstance(v3, str) or _c10(v3))):
                    add((1, 0, ('options', 'pinterest', 'boardId', ), v3, 'boardId'))
            if v13 is not _M:
                # rule 'pinterest.board_section.id_digits'
                if not ((not isinstance(v13, str) or _c11(v13))):
                    add((3, 0, ('options', 'pinterest', 'boardSectionId', ), v13, 'boardSectionId'))
            if v14 is not _M:
                # rule 'pinterest.cover_image_url.http'
                if not ((not isinstance(v14, str) or _c12(v14))):
                    add((4, 0, ('options', 'pinterest', 'coverImageUrl', ), v14, 'coverImageUrl'))
            if v15 is not _M:
                # rule 'pinterest.destination_url.http'
                if not ((not isinstance(v15, str) or _c13(v15))):
                    add((5, 0, ('options', 'pinterest', 'destinationUrl', ), v15, 'destinationUrl'))
                # rule 'pinterest.destination_url.max_length'
                if not ((not isinstance(v15, (str, list)) or len(v15) <= 2048)):
                    add((6, 0, ('options', 'pinterest', 'destinationUrl', ), v15, 'destinationUrl'))
            if v16 is not _M:
                # rule 'pinterest.feature.unsupported'
                if not ((v16 is _M)):
                    add((7, 1, ('options', 'pinterest', 'carousel', ), v16, 'carousel'))
            if v17 is not _M:
                # rule 'pinterest.feature.unsupported'
                if not ((v17 is _M)):
                    add((7, 2, ('options', 'pinterest', 'ideaPin', ), v17, 'ideaPin'))
            if v18 is not _M:
                # rule 'pinterest.feature.unsupported'
                if not ((v18 is _M)):
                    add((7, 3, ('options', 'pinterest', 'productTags', ), v18, 'productTags'))
            if isinstance(v2, dict):
                for v19, v20 in v2.items():
                    # rule 'pinterest.options.unknown_field'
                    if not ((v19 in _c14)):
                        add((14, 0, ('options', 'pinterest', v19, ), v20, v19))
                    # rule 'post.field.type'
                    if not (((v21 := _c15.get(v19)) is None or type(v20) in v21 or _has_any_type(v20, _c16[v19]))):
                        add((21, 2, ('options', 'pinterest', v19, ), v20, v19))
        if isinstance(v1, dict):
            for v24, v25 in v1.items():
                # rule 'post.field.type'
                if not (((v26 := _c17.get(v24)) is None or type(v25) in v26 or _has_any_type(v25, _c18[v24]))):
                    add((21, 1, ('options', v24, ), v25, v24))
                # rule 'post.options.unknown_field'
                if not ((v24 in _c19)):
                    add((33, 0, ('options', v24, ), v25, v24))
    if v29 is not _M:
        # rule 'pinterest.feature.unsupported'
        if not ((v29 is _M)):
            add((7, 0, ('firstComment', ), v29, 'firstComment'))
    if v9 is not _M:
        # rule 'pinterest.media.single_only'
        if (v9 is _M or isinstance(v9, list)):
            if not ((not isinstance(v9, (str, list)) or len(v9) <= 1)):
                v30 = _step(v9, '1')
                v31 = v9 if v30 is _M else v30
                add((13, 0, ('media', ) + _located(v9, ('1',)), v31, '1'))
        if isinstance(v9, dict):
            for v32, v33 in v9.items():
                if isinstance(v33, dict):
                    v34 = v33.get('kind', _M)
                    v35 = v33.get('mediaId', _M)
                    v36 = v33.get('mimeType', _M)
                    v37 = v33.get('path', _M)
                    v38 = v33.get('sizeBytes', _M)
                    v39 = v33.get('url', _M)
                else:
                    v34 = v35 = v36 = v37 = v38 = v39 = _M
                # rule 'pinterest.image.media_id_unsupported'
                if (v34 == _c20):
                    if not (((v35 is _M) or (not isinstance(v35, str) or _c21(v35)))):
                        v40 = v33 if v35 is _M else v35
                        add((8, 0, ('media', v32, ) + _located(v33, ('mediaId',)), v40, 'mediaId'))
                # rule 'pinterest.image.mime_allowed'
                if (v34 == _c22):
                    if not (((v36 is _M) or (isinstance(v36, str) and (v36 in _c23 or _media_type(v36) in _c23)))):
                        v41 = v33 if v36 is _M else v36
                        add((9, 0, ('media', v32, ) + _located(v33, ('mimeType',)), v41, 'mimeType'))
                # rule 'pinterest.image.size_max'
                if (v34 == _c24):
                    if not ((not _is_number(v38) or v38 <= _c25)):
                        v42 = v33 if v38 is _M else v38
                        add((10, 0, ('media', v32, ) + _located(v33, ('sizeBytes',)), v42, 'sizeBytes'))
                # rule 'pinterest.link.max_length'
                if ((v34 == _c26) and (v15 is _M)):
                    if not ((not isinstance(v39, (str, list)) or len(v39) <= 2048)):
                        v43 = v33 if v39 is _M else v39
                        add((11, 0, ('media', v32, ) + _located(v33, ('url',)), v43, 'url'))
                # rule 'pinterest.video.cover_required'
                if (v34 == _c27):
                    if not ((v14 is not _M)):
                        v44 = v33 if v14 is _M else v14
                        add((17, 0, _located(post, ('options', 'pinterest', 'coverImageUrl')), v44, 'coverImageUrl'))
                # rule 'pinterest.video.media_id_digits'
                if (v34 == _c28):
                    if not (((not isinstance(v35, str) or _c29(v35)) or (not isinstance(v35, str) or _c30(v35)))):
                        v45 = v33 if v35 is _M else v35
                        add((18, 0, ('media', v32, ) + _located(v33, ('mediaId',)), v45, 'mediaId'))
                # rule 'pinterest.video.mime_allowed'
                if (v34 == _c31):
                    if not (((v36 is _M) or (isinstance(v36, str) and (v36 in _c32 or _media_type(v36) in _c32)))):
                        v46 = v33 if v36 is _M else v36
                        add((19, 0, ('media', v32, ) + _located(v33, ('mimeType',)), v46, 'mimeType'))
                # rule 'pinterest.video.size_max'
                if (v34 == _c33):
                    if not ((not _is_number(v38) or v38 <= _c34)):
                        v47 = v33 if v38 is _M else v38
                        add((20, 0, ('media', v32, ) + _located(v33, ('sizeBytes',)), v47, 'sizeBytes'))
                # rule 'post.media.kind'
                if (v33 is _M or isinstance(v33, dict)):
                    if not ((isinstance(v34, str) and v34 in _c35)):
                        v48 = v33 if v34 is _M else v34
                        add((24, 0, ('media', v32, ) + _located(v33, ('kind',)), v48, 'kind'))
                # rule 'post.media.not_object'
                if not ((v33 is _M or isinstance(v33, dict))):
                    add((25, 0, ('media', v32, ), v33, v32))
                # rule 'post.media.single_source'
                if (v33 is _M or isinstance(v33, dict)):
                    if not ((((v39 is not _M) and (v37 is _M) and (v35 is _M)) or ((v39 is _M) and (v37 is not _M) and (v35 is _M)) or ((v39 is _M) and (v37 is _M) and (v35 is not _M)))):
                        add((27, 0, ('media', v32, ), v33, v32))
                if isinstance(v33, dict):
                    for v49, v50 in v33.items():
                        # rule 'post.field.type'
                        if not (((v51 := _c36.get(v49)) is None or type(v50) in v51 or _has_any_type(v50, _c37[v49]))):
                            add((21, 3, ('media', v32, v49, ), v50, v49))
                        # rule 'post.media.unknown_field'
                        if not ((v49 in _c38)):
                            add((29, 0, ('media', v32, v49, ), v50, v49))
                v54 = v33.get('sizeBytes', _M) if isinstance(v33, dict) else _M
                if v54 is not _M:
                    # rule 'post.media.size_bytes'
                    if not ((not _is_number(v54) or v54 >= _c39)):
                        add((28, 0, ('media', v32, 'sizeBytes', ), v54, 'sizeBytes'))
                v55 = v33.get('url', _M) if isinstance(v33, dict) else _M
                if v55 is not _M:
                    # rule 'post.media.url_http'
                    if not ((not isinstance(v55, str) or _c40(v55))):
                        add((30, 0, ('media', v32, 'url', ), v55, 'url'))
        elif isinstance(v9, list):
            for v56, v57 in enumerate(v9):
                if isinstance(v57, dict):
                    v58 = v57.get('kind', _M)
                    v59 = v57.get('mediaId', _M)
                    v60 = v57.get('mimeType', _M)
                    v61 = v57.get('path', _M)
                    v62 = v57.get('sizeBytes', _M)
                    v63 = v57.get('url', _M)
                else:
                    v58 = v59 = v60 = v61 = v62 = v63 = _M
                # rule 'pinterest.image.media_id_unsupported'
                if (v58 == _c41):
                    if not (((v59 is _M) or (not isinstance(v59, str) or _c42(v59)))):
                        v64 = v57 if v59 is _M else v59
                        add((8, 0, ('media', v56, ) + _located(v57, ('mediaId',)), v64, 'mediaId'))
                # rule 'pinterest.image.mime_allowed'
                if (v58 == _c43):
                    if not (((v60 is _M) or (isinstance(v60, str) and (v60 in _c44 or _media_type(v60) in _c44)))):
                        v65 = v57 if v60 is _M else v60
                        add((9, 0, ('media', v56, ) + _located(v57, ('mimeType',)), v65, 'mimeType'))
                # rule 'pinterest.image.size_max'
                if (v58 == _c45):
                    if not ((not _is_number(v62) or v62 <= _c46)):
                        v66 = v57 if v62 is _M else v62
                        add((10, 0, ('media', v56, ) + _located(v57, ('sizeBytes',)), v66, 'sizeBytes'))
                # rule 'pinterest.link.max_length'
                if ((v58 == _c47) and (v15 is _M)):
                    if not ((not isinstance(v63, (str, list)) or len(v63) <= 2048)):
                        v67 = v57 if v63 is _M else v63
                        add((11, 0, ('media', v56, ) + _located(v57, ('url',)), v67, 'url'))
                # rule 'pinterest.video.cover_required'
                if (v58 == _c48):
                    if not ((v14 is not _M)):
                        v68 = v57 if v14 is _M else v14
                        add((17, 0, _located(post, ('options', 'pinterest', 'coverImageUrl')), v68, 'coverImageUrl'))
                # rule 'pinterest.video.media_id_digits'
                if (v58 == _c49):
                    if not (((not isinstance(v59, str) or _c50(v59)) or (not isinstance(v59, str) or _c51(v59)))):
                        v69 = v57 if v59 is _M else v59
                        add((18, 0, ('media', v56, ) + _located(v57, ('mediaId',)), v69, 'mediaId'))
                # rule 'pinterest.video.mime_allowed'
                if (v58 == _c52):
                    if not (((v60 is _M) or (isinstance(v60, str) and (v60 in _c53 or _media_type(v60) in _c53)))):
                        v70 = v57 if v60 is _M else v60
                        add((19, 0, ('media', v56, ) + _located(v57, ('mimeType',)), v70, 'mimeType'))
                # rule 'pinterest.video.size_max'
                if (v58 == _c54):
                    if not ((not _is_number(v62) or v62 <= _c55)):
                        v71 = v57 if v62 is _M else v62
                        add((20, 0, ('media', v56, ) + _located(v57, ('sizeBytes',)), v71, 'sizeBytes'))
                # rule 'post.media.kind'
                if (v57 is _M or isinstance(v57, dict)):
                    if not ((isinstance(v58, str) and v58 in _c56)):
                        v72 = v57 if v58 is _M else v58
                        add((24, 0, ('media', v56, ) + _located(v57, ('kind',)), v72, 'kind'))
                # rule 'post.media.not_object'
                if not ((v57 is _M or isinstance(v57, dict))):
                    add((25, 0, ('media', v56, ), v57, v56))
                # rule 'post.media.single_source'
                if (v57 is _M or isinstance(v57, dict)):
                    if not ((((v63 is not _M) and (v61 is _M) and (v59 is _M)) or ((v63 is _M) and (v61 is not _M) and (v59 is _M)) or ((v63 is _M) and (v61 is _M) and (v59 is not _M)))):
                        add((27, 0, ('media', v56, ), v57, v56))
                if isinstance(v57, dict):
                    for v73, v74 in v57.items():
                        # rule 'post.field.type'
                        if not (((v75 := _c57.get(v73)) is None or type(v74) in v75 or _has_any_type(v74, _c58[v73]))):
                            add((21, 3, ('media', v56, v73, ), v74, v73))
                        # rule 'post.media.unknown_field'
                        if not ((v73 in _c59)):
                            add((29, 0, ('media', v56, v73, ), v74, v73))
                v78 = v57.get('sizeBytes', _M) if isinstance(v57, dict) else _M
                if v78 is not _M:
                    # rule 'post.media.size_bytes'
                    if not ((not _is_number(v78) or v78 >= _c60)):
                        add((28, 0, ('media', v56, 'sizeBytes', ), v78, 'sizeBytes'))
                v79 = v57.get('url', _M) if isinstance(v57, dict) else _M
                if v79 is not _M:
                    # rule 'post.media.url_http'
                    if not ((not isinstance(v79, str) or _c61(v79))):
                        add((30, 0, ('media', v56, 'url', ), v79, 'url'))
    if v80 is not _M:
        # rule 'pinterest.text.max_length'
        if not ((not isinstance(v80, (str, list)) or len(v80) <= 800)):
            add((15, 0, ('text', ), v80, 'text'))
    if v81 is not _M:
        # rule 'pinterest.title.max_length'
        if not ((not isinstance(v81, (str, list)) or len(v81) <= 100)):
            add((16, 0, ('title', ), v81, 'title'))
    if isinstance(post, dict):
        for v82, v83 in post.items():
            # rule 'post.field.type'
            if not (((v84 := _c62.get(v82)) is None or type(v83) in v84 or _has_any_type(v83, _c63[v82]))):
                add((21, 0, (v82, ), v83, v82))
            # rule 'post.unknown_field'
            if not ((v82 in _c64)):
                add((38, 0, (v82, ), v83, v82))
    if v87 is not _M:
        # rule 'post.scheduled_at.rfc3339'
        if not ((not isinstance(v87, str) or _c65(v87))):
            add((36, 0, ('scheduledAt', ), v87, 'scheduledAt'))
    if out:
        out.sort(key=_by_rule)
    return out
